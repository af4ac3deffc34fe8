/// The loader for real models. It exists only when KoBERTPack is linked (see PackBackend.swift);
/// nil otherwise, and kobertd then says so instead of serving nothing.
public enum ModelBackends {
    /// `threads`: cores one forward pass may use; `tokenizerDirectory`: used for models that
    /// carry no tokenizer of their own (folders without tokenizer files).
    public static func loader(threads: Int, tokenizerDirectory: String?) -> (any BackendLoader)? {
        #if canImport(KoBERTPack)
        return PackBackendLoader(threads: threads, tokenizerDirectory: tokenizerDirectory)
        #else
        return nil
        #endif
    }
}

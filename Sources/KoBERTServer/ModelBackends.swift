/// The loader for real models (PackBackend.swift); `--backend test` uses TestBackend instead.
public enum ModelBackends {
    /// `threads`: cores one forward pass may use; `tokenizerDirectory`: used for models that
    /// carry no tokenizer of their own (folders without tokenizer files).
    public static func loader(threads: Int, tokenizerDirectory: String?) -> any BackendLoader {
        PackBackendLoader(threads: threads, tokenizerDirectory: tokenizerDirectory)
    }
}

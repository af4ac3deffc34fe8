/// Shape agreement of arguments to the public constructors. Loaders validate tensor shapes first and report
/// bad files as errors; reaching a mismatch here is a programming error. Unlike `precondition` it is kept in
/// -Ounchecked builds (this module's release setting), so it stops with the message instead of reading
/// out of bounds.
@inline(__always)
func requireShape(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

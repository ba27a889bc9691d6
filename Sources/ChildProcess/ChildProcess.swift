import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with its output in a file and waits for that process alone: how the tmux end-to-end tests and
/// the console benchmark drive tmux.
///
/// Not Foundation's `Process`: it learns of a child's exit from a socket the child inherits, and the tmux server
/// that `new-session` forks inherits it too, so waiting for the client would wait for the server.
public enum ChildProcess {
    /// A program that could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `path arguments…` with standard input from /dev/null, standard output and error to `output`, no other
    /// descriptor, and a clean signal mask; returns its exit status (128 + the signal when killed by one).
    public static func run(_ path: String, _ arguments: [String], environment: [String: String], output: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Tests run in parallel: without this a tmux server would inherit whatever other tests have open at that
        // moment (Foundation's child-exit sockets, output files) and keep them, and those tests, waiting for ever.
        closeInheritedDescriptors(&actions)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        // The caller may be a worker thread with most signals blocked; a tmux server inheriting that mask
        // would not notice its panes exiting, nor kill-server, for seconds.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw SpawnError(description: "cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Asks the spawned child to close every descriptor above stderr. glibc's closefrom action is not in Swift's
    /// Glibc module, so it is looked up at run time; without it, the descriptors open right now are listed.
    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
    }
}

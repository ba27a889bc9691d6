import CFileSystem
import Foundation

/// What kind of file system holds a folder, as far as SQLite's WAL cares: its shared-memory index works only
/// when every process using the file runs on one host, which a network share cannot promise.
public enum FileSystemKind: Sendable, Equatable {
    case local
    /// NFS, SMB or CIFS, named for the message.
    case network(String)

    /// Classifies a Linux `statfs` `f_type` magic number.
    public static func classify(magic: Int64) -> FileSystemKind {
        switch UInt32(truncatingIfNeeded: magic) {
        case 0x6969: .network("NFS")
        case 0x517B: .network("SMB")
        case 0xFE53_4D42: .network("SMB2")
        case 0xFF53_4D42: .network("CIFS")
        default: .local
        }
    }

    /// The file system holding `path` (the nearest existing ancestor, for a folder not made yet); `local` where it
    /// cannot be told (statfs fails, or another system than Linux).
    public static func of(_ path: String) -> FileSystemKind {
        var url = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: url.path), url.path != "/" { url = url.deletingLastPathComponent() }
        let magic = warroom_filesystem_magic(url.path)
        return magic < 0 ? .local : classify(magic: Int64(magic))
    }
}

#ifndef WARROOM_CFILESYSTEM_H
#define WARROOM_CFILESYSTEM_H

/// The `f_type` magic number statfs(2) reports for the file system holding `path`, or -1 with errno set.
/// Swift's Glibc module does not export statfs, hence this shim.
long long warroom_filesystem_magic(const char *path);

#endif

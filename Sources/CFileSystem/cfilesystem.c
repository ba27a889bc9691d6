#include "cfilesystem.h"

#if defined(__linux__)
#include <sys/vfs.h>

long long warroom_filesystem_magic(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return (long long)info.f_type;
}
#else
long long warroom_filesystem_magic(const char *path) {
    (void)path;
    return -1;
}
#endif

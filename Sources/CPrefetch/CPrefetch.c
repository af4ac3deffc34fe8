// CPrefetch is header-only (include/CPrefetch.h); SwiftPM wants one source file in a C target.
#include "CPrefetch.h"

/* TEST ONLY, never shipped: Wine 8.0 has no bcryptprimitives.dll, whose
 * ProcessPrng Go's Windows runtime calls at start (Windows 10 and later
 * have it). wine_test.go builds this stand-in with mingw-w64 into the test
 * prefix's system32; it answers through BCryptGenRandom, which Wine has. */
#include <windows.h>
#include <bcrypt.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
		data += n; len -= n;
	}
	return TRUE;
}

// A planted fault that a sanitizer must report; registered with should_fail.
#include <climits>
#include <cstdio>
#include <cstdlib>

int main(int argc, char**) {
#ifdef CANARY_UBSAN
  volatile int x = INT_MAX;
  x = x + argc;  // signed overflow: UBSan reports and, with halt_on_error, exits non-zero
  std::printf("%d\n", x);
#endif
#ifdef CANARY_ASAN
  int* p = static_cast<int*>(std::malloc(4 * sizeof(int)));
  volatile int i = 3 + argc;
  p[i] = 1;  // heap buffer overflow
  std::printf("%d\n", p[0]);
  std::free(p);
#endif
  return 0;
}

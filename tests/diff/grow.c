/* tests/diff/diff.sh: leaks N 64-byte blocks at one call site (N from the
 * command line) and keeps one 4096-byte block at another. */
#include <stdlib.h>
static void *volatile s;
__attribute__((noinline)) static void leak(int n) { for (int i = 0; i < n; i++) s = malloc(64); }
__attribute__((noinline)) static void keep(void) { s = malloc(4096); }
int main(int argc, char **argv) { leak(argc > 1 ? atoi(argv[1]) : 10); keep(); return 0; }

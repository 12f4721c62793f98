/* Small helpers linked next to XGBoost's C API so the TypeScript side can watch the
 * allocator (heap-flatness tests) without an extra JavaScript glue dependency. */
#include <malloc.h>
#include <stddef.h>
#include <emscripten.h>

/* Bytes handed out by malloc and not yet freed (dlmalloc's uordblks). */
EMSCRIPTEN_KEEPALIVE size_t casa_heap_in_use(void) {
  struct mallinfo mi = mallinfo();
  return (size_t)mi.uordblks;
}

/* Bytes the allocator holds from the system (sbrk'd arena). */
EMSCRIPTEN_KEEPALIVE size_t casa_heap_arena(void) {
  struct mallinfo mi = mallinfo();
  return (size_t)mi.arena;
}

/* Read-only mappings of image files, guarded against SIGBUS when the file
 * shrinks under us (image_map.c says how).  For the raw adapter. */
#ifndef VSSD_IMAGE_MAP_H
#define VSSD_IMAGE_MAP_H

#include <stdint.h>

/* Map size bytes of the regular file fd PROT_READ / MAP_SHARED.  Returns
 * the mapping and *slot (for the calls below), or NULL when it cannot be
 * mapped (the caller reads with pread instead). */
const uint8_t *image_map_file(int fd, uint64_t size, int *slot);

/* 1 once a page of the mapping was lost (the file shrank) and replaced by
 * zeros; 0 otherwise. */
int image_map_damaged(int slot);

void image_unmap_file(const uint8_t *p, uint64_t size, int slot);

#endif

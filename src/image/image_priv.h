/* For the image adapters only: loading a libyal image library into a
 * link-map namespace of its own.
 *
 * Why (DESIGN.md "Known traps", measured): every libyal .so exports the
 * helper libraries it bundles (libcdata, libcerror, libfdata, libfvalue,
 * libuna, and in libvhdi, libewf and libqcow also libbfio), each in its own
 * version, without -Bsymbolic.  Linked normally, the first copy in load
 * order wins for every library: libewf 20140813 then ran on libbfio
 * 20170123's libcdata and libevtx 20181227's libfvalue and crashed opening
 * any E01 once libregf and libevtx were loaded.  dlmopen(LM_ID_NEWLM) gives
 * each image library its own namespace, so it binds to its own copies.
 * RTLD_DEEPBIND would do too, but the ASan runtime refuses it; dlmopen
 * works under ASan and valgrind alike.
 *
 * Objects made by such a library (handles, errors, globbed names) must be
 * freed by the same library, never with our free(). */
#ifndef VSSD_IMAGE_PRIV_H
#define VSSD_IMAGE_PRIV_H

#include <stddef.h>

#include "err.h"

/* Load soname (e.g. "libewf.so.2") into a new namespace, once per process
 * (later calls return the same handle; it is never unloaded).  Returns the
 * handle, or NULL with err set (-E_UNSUPPORTED, naming the library). */
void *image_lib_load(const char *soname, struct err *err);

/* Store the address of function name of lib into the function pointer at
 * fn (fn_size bytes).  Returns 0 or -E_UNSUPPORTED. */
int image_lib_sym(void *lib, const char *name, void *fn, size_t fn_size,
		  struct err *err);

#endif

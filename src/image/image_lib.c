/* Image libraries in namespaces of their own (why: image_priv.h). */
#define _GNU_SOURCE
#include "image_priv.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#define IMAGE_LIBS_MAX 8u

struct loaded_lib {
	const char *soname;   /* a string literal of the adapter */
	void *handle;
};

/* Process-wide: each library is loaded once (under the lock: `scan -j`
 * opens several images at once). */
static struct loaded_lib libs[IMAGE_LIBS_MAX];
static pthread_mutex_t libs_lock = PTHREAD_MUTEX_INITIALIZER;

/* ASan refuses RTLD_DEEPBIND (it would let a library bypass its malloc). */
#if defined(__SANITIZE_ADDRESS__)
#define IMAGE_LIB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMAGE_LIB_ASAN 1
#endif
#endif

/* RTLD_DEEPBIND makes the library look up its own symbols first: one
 * libc, and valgrind sees through it.  A library already loaded in the
 * global namespace (linked in by someone) would come back as that copy,
 * bound the global way, so it gets a new namespace instead (dlmopen); so
 * does every library under ASan.  A dlmopen'd namespace has its own libc,
 * whose string functions valgrind does not redirect: expect false
 * "uninitialised value" reports from inside the image libraries there. */
static void *load_isolated(const char *soname)
{
#ifndef IMAGE_LIB_ASAN
	void *h = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);

	if (!h)
		return dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	dlclose(h);
#endif
	return dlmopen(LM_ID_NEWLM, soname, RTLD_NOW | RTLD_LOCAL);
}

static void *lib_load_locked(const char *soname, struct err *err)
{
	const char *why;
	unsigned i;
	void *h;

	for (i = 0; i < IMAGE_LIBS_MAX && libs[i].soname; i++)
		if (strcmp(libs[i].soname, soname) == 0)
			return libs[i].handle;
	if (i == IMAGE_LIBS_MAX) {
		err_set(err, -E_INTERNAL, "cannot load %s: too many image libraries",
			soname);
		return NULL;
	}
	h = load_isolated(soname);
	if (!h) {
		why = dlerror();
		err_set(err, -E_UNSUPPORTED, "cannot load %s: %s", soname,
			why ? why : "unknown error");
		return NULL;
	}
	libs[i].soname = soname;
	libs[i].handle = h;
	return h;
}

void *image_lib_load(const char *soname, struct err *err)
{
	void *h;

	pthread_mutex_lock(&libs_lock);
	h = lib_load_locked(soname, err);
	pthread_mutex_unlock(&libs_lock);
	return h;
}

int image_lib_sym(void *lib, const char *name, void *fn, size_t fn_size,
		  struct err *err)
{
	void *p;

	dlerror();
	p = dlsym(lib, name);
	if (!p || fn_size != sizeof(p))
		return err_set(err, -E_UNSUPPORTED, "image library lacks %s", name);
	/* POSIX guarantees a data pointer can hold a function's address. */
	memcpy(fn, &p, sizeof(p));
	return 0;
}

int image_lib_parent_name(intptr_t *h, const char *what,
			  const struct image_lib_name *fns, char *name,
			  size_t len, struct err *err)
{
	intptr_t *e = NULL;
	size_t size = 0;
	int rc;

	rc = fns->size(h, &size, &e);
	if (rc < 0)
		return yal_err(err, -E_CORRUPT, what, &e, fns->backtrace_sprint, fns->efree);
	if (rc == 0 || size <= 1)
		return 0;
	if (size > len)
		return err_set(err, -E_LIMIT,
			       "%s of %zu bytes > LIMIT_IMAGE_NAME_LEN %zu",
			       what, size, len);
	if (fns->get(h, (uint8_t *)name, size, &e) != 1)
		return yal_err(err, -E_CORRUPT, what, &e, fns->backtrace_sprint, fns->efree);
	name[size - 1] = '\0';
	return 1;
}

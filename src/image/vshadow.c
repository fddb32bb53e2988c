/* Volume shadow copies through libvshadow.  libvshadow reads the volume
 * through a libbfio handle whose callbacks are ours (below): every byte it
 * asks for comes from the image layer through the block cache, whatever
 * the image format.  libvshadow (and the libbfio it depends on) is loaded
 * into a link-map namespace of its own and called through the table K;
 * the libbfio functions come from the same namespace (image_priv.h says
 * why), so the handle and libvshadow agree on one libbfio. */
#define _GNU_SOURCE
#include "vshadow_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbfio.h>
#include <libvshadow.h>

#include "bytes.h"
#include "filetime.h"
#include "image_priv.h"
#include "yal_err.h"

static struct {
	int loaded;
	__typeof__(&libvshadow_error_backtrace_sprint) error_backtrace_sprint;
	__typeof__(&libvshadow_error_free) error_free;
	__typeof__(&libvshadow_volume_initialize) volume_initialize;
	__typeof__(&libvshadow_volume_free) volume_free;
	__typeof__(&libvshadow_volume_open_file_io_handle) volume_open_file_io_handle;
	__typeof__(&libvshadow_volume_close) volume_close;
	__typeof__(&libvshadow_volume_get_number_of_stores) volume_get_number_of_stores;
	__typeof__(&libvshadow_volume_get_store) volume_get_store;
	__typeof__(&libvshadow_store_free) store_free;
	__typeof__(&libvshadow_store_get_identifier) store_get_identifier;
	__typeof__(&libvshadow_store_get_copy_identifier) store_get_copy_identifier;
	__typeof__(&libvshadow_store_get_copy_set_identifier) store_get_copy_set_identifier;
	__typeof__(&libvshadow_store_get_creation_time) store_get_creation_time;
	__typeof__(&libvshadow_store_get_volume_size) store_get_volume_size;
	__typeof__(&libvshadow_store_get_attribute_flags) store_get_attribute_flags;
	__typeof__(&libvshadow_store_read_buffer_at_offset) store_read_buffer_at_offset;
	/* from the libbfio libvshadow is bound to */
	__typeof__(&libbfio_handle_initialize) bfio_handle_initialize;
	__typeof__(&libbfio_handle_free) bfio_handle_free;
	__typeof__(&libbfio_error_free) bfio_error_free;
} K;

static int vshadow_load(struct err *err)
{
	void *lib;

	if (K.loaded)
		return 0;
#define SYM(f) (image_lib_sym(lib, "libvshadow_" #f, &K.f, sizeof(K.f), err) < 0)
#define BSYM(f) (image_lib_sym(lib, "libbfio_" #f, &K.bfio_##f, sizeof(K.bfio_##f), err) < 0)
	lib = image_lib_load("libvshadow.so.1", err);
	if (!lib)
		return err ? err->code : -E_UNSUPPORTED;
	if (SYM(error_backtrace_sprint) || SYM(error_free) ||
	    SYM(volume_initialize) || SYM(volume_free) ||
	    SYM(volume_open_file_io_handle) || SYM(volume_close) ||
	    SYM(volume_get_number_of_stores) || SYM(volume_get_store) ||
	    SYM(store_free) || SYM(store_get_identifier) ||
	    SYM(store_get_copy_identifier) ||
	    SYM(store_get_copy_set_identifier) ||
	    SYM(store_get_creation_time) || SYM(store_get_volume_size) ||
	    SYM(store_get_attribute_flags) ||
	    SYM(store_read_buffer_at_offset) ||
	    BSYM(handle_initialize) || BSYM(handle_free) || BSYM(error_free))
		return err ? err->code : -E_UNSUPPORTED;
#undef SYM
#undef BSYM
	K.loaded = 1;
	return 0;
}

static int vss_err(struct vss *v, struct err *err, int code, const char *what,
		   libvshadow_error_t **e)
{
	char trace[2048] = "";

	yal_err_take(e, K.error_backtrace_sprint, NULL, K.error_free, trace, sizeof(trace));
	/* our own read error says more than libbfio's "unable to read" */
	if (v && v->io.last.code < 0)
		return err_set(err, v->io.last.code, "%s: %s", what, v->io.last.msg);
	return yal_err_trace(err, code, what, trace);
}

static void vss_warn(struct vss *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vss_warn(struct vss *v, const char *fmt, ...)
{
	size_t len = strlen(v->warning), cap = sizeof(v->warning);
	va_list ap;
	int n;

	if (len + 4 >= cap)
		return;
	if (len) {
		memcpy(v->warning + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(v->warning + len, cap - len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= cap - len)
		memcpy(v->warning + cap - 4, "...", 4);
}

/* ---- the libbfio handle over the cache ---------------------------------- */

static int io_free(intptr_t **io, libbfio_error_t **e)
{
	(void)e;
	*io = NULL;   /* owned by struct vss */
	return 1;
}

static int io_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
	(void)dst; (void)src; (void)e;
	return -1;
}

static int io_open(intptr_t *io, int flags, libbfio_error_t **e)
{
	(void)e;
	if (flags & ~LIBBFIO_ACCESS_FLAG_READ)
		return -1;   /* never anything but reading */
	((struct vss_io *)io)->open = 1;
	return 1;
}

static int io_close(intptr_t *io, libbfio_error_t **e)
{
	(void)e;
	((struct vss_io *)io)->open = 0;
	return 0;
}

static ssize_t io_read(intptr_t *iop, uint8_t *buf, size_t size,
		       libbfio_error_t **e)
{
	struct vss_io *io = (struct vss_io *)iop;
	uint64_t end = bcache_size(io->cache);

	(void)e;
	if (io->pos >= end)
		return 0;
	if (size > end - io->pos)
		size = (size_t)(end - io->pos);
	if (size > INT32_MAX)
		size = INT32_MAX;   /* fits ssize_t */
	err_init(&io->last);
	if (bcache_read(io->cache, io->pos, buf, size, &io->last) < 0)
		return -1;
	io->pos += size;
	return (ssize_t)size;
}

static ssize_t io_write(intptr_t *io, const uint8_t *buf, size_t size,
			libbfio_error_t **e)
{
	(void)io; (void)buf; (void)size; (void)e;
	return -1;   /* the evidence is never written */
}

static off64_t io_seek(intptr_t *iop, off64_t off, int whence,
		       libbfio_error_t **e)
{
	struct vss_io *io = (struct vss_io *)iop;
	int64_t base = whence == SEEK_SET ? 0 :
		       whence == SEEK_CUR ? (int64_t)io->pos :
		       whence == SEEK_END ? (int64_t)bcache_size(io->cache) : -1;

	(void)e;
	if (base < 0 || (off < 0 && -off > base) ||
	    (off > 0 && off > INT64_MAX - base))
		return -1;
	io->pos = (uint64_t)(base + off);
	return (off64_t)io->pos;
}

static int io_exists(intptr_t *io, libbfio_error_t **e)
{
	(void)io; (void)e;
	return 1;
}

static int io_is_open(intptr_t *io, libbfio_error_t **e)
{
	(void)e;
	return ((struct vss_io *)io)->open;
}

static int io_get_size(intptr_t *io, size64_t *size, libbfio_error_t **e)
{
	(void)e;
	*size = bcache_size(((struct vss_io *)io)->cache);
	return 1;
}

/* ---- stores ------------------------------------------------------------- */

/* A GUID as libvshadow hands it (the on-disk layout: Data1..3 little
 * endian) in the usual text form. */
static void guid_text(const uint8_t g[16], char out[40])
{
	snprintf(out, 40, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

/* Read what libvshadow says of store index; 0, or <0 with err set. */
static int store_read_info(struct vss *v, int index, struct vss_entry *ent,
			   struct err *err)
{
	libvshadow_error_t *e = NULL;
	uint8_t g[16];
	size64_t vsize = 0;
	uint32_t flags = 0;
	int rc;

	memset(ent, 0, sizeof(*ent));
	ent->info.number = (unsigned)index + 1;
	err_init(&v->io.last);
	if (K.volume_get_store(v->vol, index, &ent->store, &e) != 1)
		return vss_err(v, err, -E_CORRUPT, "cannot open the store", &e);
	if (K.store_get_identifier(ent->store, g, sizeof(g), &e) != 1) {
		rc = vss_err(v, err, -E_CORRUPT, "identifier", &e);
		goto fail;
	}
	guid_text(g, ent->info.identifier);
	memcpy(ent->id, g, sizeof(g));
	rc = K.store_get_copy_identifier(ent->store, g, sizeof(g), &e);
	if (rc == 1)
		guid_text(g, ent->info.copy_id);
	K.error_free(&e);
	rc = K.store_get_copy_set_identifier(ent->store, g, sizeof(g), &e);
	if (rc == 1)
		guid_text(g, ent->info.set_id);
	K.error_free(&e);
	if (K.store_get_attribute_flags(ent->store, &flags, &e) == 1)
		ent->info.attributes = flags;
	K.error_free(&e);
	if (K.store_get_creation_time(ent->store, &ent->info.filetime, &e) != 1) {
		rc = vss_err(v, err, -E_CORRUPT, "creation time", &e);
		goto fail;
	}
	/* "unknown" outside 1970..9999, as gmtime_r and strftime printed it */
	if (!*filetime_iso8601(ent->info.filetime, FILETIME_1970_9999, ent->info.created,
			       sizeof(ent->info.created)))
		snprintf(ent->info.created, sizeof(ent->info.created), "unknown");
	if (K.store_get_volume_size(ent->store, &vsize, &e) != 1) {
		rc = vss_err(v, err, -E_CORRUPT, "volume size", &e);
		goto fail;
	}
	if (vsize == 0) {
		rc = err_set(err, -E_CORRUPT, "volume size is 0");
		goto fail;
	}
	ent->info.volume_size = vsize;
	return 0;
fail:
	K.store_free(&ent->store, NULL);
	return rc;
}

/* A store whose chains failed the check is left out, and so is every
 * older store: libvshadow reads an older store through the newer ones
 * (their saved blocks are the older state too). */
static void drop_bad_stores(struct vss *v)
{
	unsigned i, kept = 0, bad = 0;   /* bad: number of the newest bad store */
	const struct vss_chains *c;

	for (i = v->count; i-- > 0;) {
		c = vss_chains_of(v, v->stores[i].id);
		if (c && c->bad[0] && !bad) {
			bad = v->stores[i].info.number;
			vss_warn(v, "shadow copy store %u (%s) skipped: %s", bad,
				 v->stores[i].info.created, c->bad);
		} else if (bad) {
			vss_warn(v, "shadow copy store %u (%s) skipped: it is read through store %u",
				 v->stores[i].info.number, v->stores[i].info.created, bad);
		}
	}
	if (!bad)
		return;
	for (i = 0; i < v->count; i++) {
		if (v->stores[i].info.number <= bad)
			K.store_free(&v->stores[i].store, NULL);
		else
			v->stores[kept++] = v->stores[i];
	}
	v->count = kept;
}

int vss_open(struct vss **out, struct image *img, uint64_t offset,
	     uint64_t size, struct err *err)
{
	libvshadow_error_t *e = NULL;
	libbfio_error_t *be = NULL;
	struct vss *v;
	int n = 0, i, rc;

	*out = NULL;
	rc = vss_has_header(img, offset, size, err);
	if (rc <= 0)
		return rc;
	rc = vshadow_load(err);
	if (rc < 0)
		return rc;
	v = calloc(1, sizeof(*v));
	if (!v)
		return err_set(err, -E_NOMEM, "out of memory");
	v->img = img;
	v->offset = offset;
	v->size = size;
	rc = bcache_new(&v->io.cache, img, offset, size, VSS_BLOCK,
			LIMIT_VSS_CACHE_BYTES, err);
	if (rc < 0)
		goto fail;
	if (K.bfio_handle_initialize(&v->bfio, (intptr_t *)&v->io, io_free,
				     io_clone, io_open, io_close, io_read,
				     io_write, io_seek, io_exists, io_is_open,
				     io_get_size, LIBBFIO_FLAG_IO_HANDLE_NON_MANAGED,
				     &be) != 1) {
		K.bfio_error_free(&be);
		rc = err_set(err, -E_NOMEM, "cannot create a libbfio handle");
		goto fail;
	}
	rc = vss_boot_sector_check(v, err);
	if (rc < 0)
		goto fail;
	rc = vss_catalog_check(v, err);
	if (rc < 0)
		goto fail;
	if (K.volume_initialize(&v->vol, &e) != 1) {
		rc = vss_err(v, err, -E_NOMEM, "cannot create a libvshadow volume", &e);
		goto fail;
	}
	if (K.volume_open_file_io_handle(v->vol, v->bfio, LIBVSHADOW_OPEN_READ,
					 &e) != 1) {
		rc = vss_err(v, err, -E_CORRUPT, "cannot read the VSS catalog", &e);
		goto fail;
	}
	v->vol_open = 1;
	if (K.volume_get_number_of_stores(v->vol, &n, &e) != 1) {
		rc = vss_err(v, err, -E_CORRUPT, "number of stores", &e);
		goto fail;
	}
	if (n < 0 || (unsigned)n > LIMIT_VSS_STORES) {
		rc = err_set(err, -E_LIMIT,
			     "%d stores > LIMIT_VSS_STORES (%u)",
			     n, LIMIT_VSS_STORES);
		goto fail;
	}
	if (n > 0) {
		v->stores = calloc((size_t)n, sizeof(*v->stores));
		if (!v->stores) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto fail;
		}
	}
	for (i = 0; i < n; i++) {
		struct err se;

		err_init(&se);
		if (store_read_info(v, i, &v->stores[v->count], &se) < 0) {
			vss_warn(v, "shadow copy store %d skipped: %s", i + 1, se.msg);
			continue;
		}
		v->count++;
	}
	drop_bad_stores(v);
	*out = v;
	return 1;
fail:
	vss_free(v);
	return rc;
}

unsigned vss_count(const struct vss *v)
{
	return v ? v->count : 0;
}

const struct vss_store *vss_store_at(const struct vss *v, unsigned i)
{
	return i < v->count ? &v->stores[i].info : NULL;
}

const char *vss_warning(const struct vss *v)
{
	return v ? v->warning : "";
}

/* ---- byte views --------------------------------------------------------- */

struct view {
	struct vss *v;
	libvshadow_store_t *store;   /* NULL: the live volume */
};

static int store_view_read(void *priv, uint64_t off, void *buf, size_t len,
			   struct err *err)
{
	struct view *w = priv;
	libvshadow_error_t *e = NULL;
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n;

		err_init(&w->v->io.last);
		n = K.store_read_buffer_at_offset(w->store, p, len, (off64_t)off, &e);
		if (n <= 0) {
			char what[96];

			snprintf(what, sizeof(what), "shadow copy read at offset %llu",
				 (unsigned long long)off);
			return vss_err(w->v, err, n < 0 ? -E_IO : -E_CORRUPT, what, &e);
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int live_view_read(void *priv, uint64_t off, void *buf, size_t len,
			  struct err *err)
{
	struct view *w = priv;

	return bcache_read(w->v->io.cache, off, buf, len, err);
}

static void view_close(void *priv)
{
	free(priv);
}

static const struct image_ops store_view_ops = {
	.format = "vss", .read = store_view_read, .close = view_close,
};
static const struct image_ops live_view_ops = {
	.format = "volume", .read = live_view_read, .close = view_close,
};

int vss_store_image(struct vss *v, unsigned i, struct image **out,
		    struct err *err)
{
	struct view *w;
	char name[LIMIT_IMAGE_NAME_LEN + 32];
	uint64_t size;

	*out = NULL;
	if (i >= v->count)
		return err_set(err, -E_USAGE, "no shadow copy store %u", i + 1);
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(err, -E_NOMEM, "out of memory");
	w->v = v;
	w->store = v->stores[i].store;
	/* a store never reaches past the volume it was made of */
	size = v->stores[i].info.volume_size;
	if (size > v->size)
		size = v->size;
	snprintf(name, sizeof(name), "%s@store%u", image_path(v->img),
		 v->stores[i].info.number);
	return image_new(out, &store_view_ops, w, size, name, err);
}

int vss_volume_image(struct vss *v, struct image **out, struct err *err)
{
	struct view *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return err_set(err, -E_NOMEM, "out of memory");
	w->v = v;
	return image_new(out, &live_view_ops, w, v->size, image_path(v->img), err);
}

void vss_cache_stats(const struct vss *v, uint64_t *hits, uint64_t *misses)
{
	struct bcache_stats st;

	bcache_get_stats(v->io.cache, &st);
	*hits = st.hits;
	*misses = st.misses;
}

void vss_free(struct vss *v)
{
	unsigned i;

	if (!v)
		return;
	for (i = 0; i < v->count; i++)
		K.store_free(&v->stores[i].store, NULL);
	free(v->stores);
	free(v->chains);
	if (v->vol) {
		if (v->vol_open)
			K.volume_close(v->vol, NULL);
		K.volume_free(&v->vol, NULL);
	}
	if (v->bfio)
		K.bfio_handle_free(&v->bfio, NULL);
	bcache_free(v->io.cache);
	free(v);
}

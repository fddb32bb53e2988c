/* The service model: one Services\<name> key of the SYSTEM hive read into
 * a struct svc (Start, Type, ImagePath, ServiceDll, ObjectName,
 * DependOnService, the Security descriptor), and the lookup of a
 * service's binaries on the Windows volume. */
#ifndef VSSD_SERVICES_H
#define VSSD_SERVICES_H

#include <stddef.h>
#include <stdint.h>

#include "fs.h"
#include "registry.h"

/* Start values (winnt.h SERVICE_*_START) */
#define SVC_START_BOOT     0u
#define SVC_START_SYSTEM   1u
#define SVC_START_AUTO     2u
#define SVC_START_DEMAND   3u
#define SVC_START_DISABLED 4u

/* Type bits (winnt.h SERVICE_*) */
#define SVC_TYPE_KERNEL_DRIVER  0x01u
#define SVC_TYPE_FS_DRIVER      0x02u
#define SVC_TYPE_RECOGNIZER     0x08u
#define SVC_TYPE_OWN_PROCESS    0x10u
#define SVC_TYPE_SHARE_PROCESS  0x20u
#define SVC_TYPE_DRIVER_MASK    0x0Bu
#define SVC_TYPE_WIN32_MASK     0x30u

enum svc_sd_state {
	SVC_SD_ABSENT = 0,   /* no Security key or value: the SCM default */
	SVC_SD_STUB,         /* the 5-byte 00 00 0e 00 01 stub: no descriptor */
	SVC_SD_PRESENT,      /* sd/sd_len hold the bytes */
};

struct svc {
	char name[256];              /* key name as stored ("CryptSvc") */
	char key[320];               /* "ControlSet001\Services\CryptSvc" */
	int has_type, has_start;
	uint32_t type, start;
	char *image_path;            /* raw strings, NULL when absent */
	char *service_dll;
	char dll_value[32];          /* "Parameters\ServiceDll" or "ServiceDll" */
	char *object_name;
	char *display_name;
	char **depends;              /* DependOnService, NULL-terminated */
	size_t ndepends;
	char bad[256];               /* values that could not be decoded */
	int unreadable;              /* svc_foreach: the key could not be read (bad says why) */
	enum svc_sd_state sd_state;
	uint8_t *sd;                 /* SVC_SD_PRESENT: self-relative bytes */
	size_t sd_len;
	char sd_error[256];          /* the Security value could not be read */
};

/* Read service name of control set cs ("ControlSet001") from the SYSTEM
 * hive.  1 read (release with svc_release), 0 no such key, <0 error. */
int svc_load(struct hive *sys, const char *cs, const char *name,
	     struct svc *out, struct err *err);
/* The same from an opened Services\<name> key (name as listed). */
int svc_load_key(struct hkey *k, const char *cs, const char *name,
		 struct svc *out, struct err *err);
void svc_release(struct svc *s);

/* Call fn for every subkey of cs\Services, loaded.  A key that cannot be
 * read is passed with unreadable and bad set (and *unreadable counted,
 * unreadable may be NULL) rather than
 * failing the walk.  fn returns 0 to go on, >0 stop, <0 fail. */
typedef int (*svc_fn)(void *ctx, struct svc *s);
int svc_foreach(struct hive *sys, const char *cs, svc_fn fn, void *ctx,
		unsigned *unreadable, struct err *err);

/* "boot", "system", "auto", "demand", "disabled" or "unknown". */
const char *svc_start_name(uint32_t start);
/* 1 for kernel / file-system drivers and recognizers. */
int svc_is_driver(const struct svc *s);

enum svc_bin_state { SVC_BIN_FOUND = 0, SVC_BIN_MISSING, SVC_BIN_UNCHECKED };

struct svc_bin {
	enum svc_bin_state state;
	char path[1024];             /* volume path "Windows\System32\es.dll" */
	char display[1100];          /* "%SystemRoot%\System32\es.dll" */
	char why[256];               /* UNCHECKED: why */
	char drive;                  /* the letter when not the Windows
				      * volume's ('D'), else 0 */
};

/* Resolve an ImagePath / ServiceDll (svcpath_normalize with the volume's
 * SystemRoot, e.g. "C:\Windows") and look it up on fs.  Paths that cannot
 * be resolved offline (device paths, another drive, unknown variables)
 * are SVC_BIN_UNCHECKED with why.  0, or <0 when fs fails. */
int svc_bin_check(struct fs *fs, const char *systemroot, const char *value,
		  struct svc_bin *out, struct err *err);
/* The same on the scan's volumes (windir.h): the Windows folder as found
 * on its volume, and a path on another drive letter looked up on the
 * volume of the image that has that letter (MountedDevices); when none
 * has, SVC_BIN_UNCHECKED with why "unknown: volume not in the image
 * (drive D:)", never SVC_BIN_MISSING. */
int svc_bin_check_scan(const struct evidence *ev, const char *value, struct svc_bin *out,
		       struct err *err);

/* The svchost group named by -k in an svchost.exe command line into buf:
 * 1 found, 0 not an svchost command line (or no -k). */
int svc_svchost_group(const char *image_path, const char *systemroot,
		      char *buf, size_t size);

#endif

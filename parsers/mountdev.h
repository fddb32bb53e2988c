/* The values of SYSTEM\MountedDevices: which volume each drive letter was
 * given the last time Windows ran.  Pure code over a value's name and
 * bytes; the registry collector reads them and the volume layer matches
 * them onto the partitions of the image.
 *
 * Layout (the mount manager's unique volume ids, as Windows writes them;
 * e.g. "Windows Internals" 7th ed., chapter 11 "Mount manager", and the
 * sample hives in ../shared/samples):
 * - MBR disk, 12 bytes:  0x00 disk signature (MBR 0x1B8, le32),
 *                        0x04 partition offset in bytes (le64);
 * - GPT disk, 24 bytes:  0x00 "DMIO:ID:", 0x08 the partition's unique
 *                        GUID in on-disk (mixed-endian) order;
 * - anything else (CD-ROM, USB, VHD-mounted ...): a device path in
 *   UTF-16LE ("\??\SCSI#CdRom&...", "_??_USBSTOR#..."), not a partition
 *   an image can hold.
 * Drive letters are the values named "\DosDevices\X:"; the others
 * ("\??\Volume{GUID}", "#{GUID}") name volumes, not letters. */
#ifndef VSSD_MOUNTDEV_H
#define VSSD_MOUNTDEV_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MOUNTDEV_MBR_LEN 12u
#define MOUNTDEV_GPT_LEN 24u
#define MOUNTDEV_GPT_MAGIC "DMIO:ID:"

enum mountdev_kind {
	MOUNTDEV_OTHER = 0,     /* a device path: not on a disk of the image */
	MOUNTDEV_MBR,
	MOUNTDEV_GPT,
};

struct mountdev {
	char letter;            /* 'A'..'Z' */
	enum mountdev_kind kind;
	uint32_t mbr_signature; /* MBR */
	uint64_t offset;        /* MBR: bytes from the start of the disk */
	uint8_t guid[16];       /* GPT: on-disk order, as in the GPT entry */
};

/* The drive letter a value name gives ("\DosDevices\C:" -> 'C',
 * case-insensitive), or 0 for any other name. */
char mountdev_letter(const char *name);

/* Parse the value named name with data[0..len) into out.  Returns 1 (a
 * drive letter: out filled, kind MBR, GPT or OTHER), 0 (the name is not a
 * drive letter; out untouched).  Never fails: bytes of an unknown shape
 * are MOUNTDEV_OTHER. */
int mountdev_parse(const char *name, const uint8_t *data, size_t len,
		   struct mountdev *out);

/* "MBR disk 4CBC4CBC, offset 32256", "GPT partition {GUID}" or "device
 * path" into buf (always NUL-terminated). */
void mountdev_describe(const struct mountdev *m, char *buf, size_t size);

#endif

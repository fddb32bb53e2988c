/* SYSTEM\MountedDevices values (see mountdev.h for the layout). */
#include "mountdev.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "gpt.h"

#define DOSDEVICES "\\DosDevices\\"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

char mountdev_letter(const char *name)
{
	size_t i, n = sizeof(DOSDEVICES) - 1;
	int c;

	if (!name)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)name[i]) != lower((unsigned char)DOSDEVICES[i]))
			return 0;
	c = (unsigned char)name[n];
	if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ||
	    name[n + 1] != ':' || name[n + 2] != '\0')
		return 0;
	return (char)(c >= 'a' ? c - 32 : c);
}

int mountdev_parse(const char *name, const uint8_t *data, size_t len,
		   struct mountdev *out)
{
	char letter = mountdev_letter(name);

	if (!letter)
		return 0;
	memset(out, 0, sizeof(*out));
	out->letter = letter;
	out->kind = MOUNTDEV_OTHER;
	if (!data)
		return 1;
	if (len == MOUNTDEV_MBR_LEN) {
		/* 0x00 */ out->mbr_signature = le32(data + 0x00);
		/* 0x04 */ out->offset = le64(data + 0x04);
		out->kind = MOUNTDEV_MBR;
	} else if (len == MOUNTDEV_GPT_LEN &&
		   memcmp(data, MOUNTDEV_GPT_MAGIC, 8) == 0) {
		/* 0x08 */ memcpy(out->guid, data + 0x08, 16);
		out->kind = MOUNTDEV_GPT;
	}
	return 1;
}

void mountdev_describe(const struct mountdev *m, char *buf, size_t size)
{
	char g[GPT_GUID_STR];

	if (!size)
		return;
	switch (m->kind) {
	case MOUNTDEV_MBR:
		snprintf(buf, size, "MBR disk %08X, offset %llu", (unsigned)m->mbr_signature,
			 (unsigned long long)m->offset);
		break;
	case MOUNTDEV_GPT:
		gpt_guid_format(m->guid, g);
		snprintf(buf, size, "GPT partition {%s}", g);
		break;
	default:
		snprintf(buf, size, "device path");
		break;
	}
}

/* Self-relative security descriptors (MS-DTYP 2.4.6).
 *
 * SECURITY_DESCRIPTOR (self-relative), 20-byte header:
 *   0x00 Revision (1)   0x01 Sbz1 (RM control)   0x02 Control (LE16)
 *   0x04 OffsetOwner    0x08 OffsetGroup   0x0C OffsetSacl   0x10 OffsetDacl
 *   (offsets from the start of the descriptor, 0 = absent)
 * ACL (MS-DTYP 2.4.5), 8-byte header:
 *   0x00 AclRevision   0x01 Sbz1   0x02 AclSize (LE16)   0x04 AceCount (LE16)
 *   0x06 Sbz2
 * ACE (MS-DTYP 2.4.4): header 0x00 AceType  0x01 AceFlags  0x02 AceSize,
 *   then 0x04 Mask; object ACEs (2.4.4.3) 0x08 Flags, ObjectType GUID if
 *   flag 1, InheritedObjectType GUID if flag 2; then the SID; then
 *   application data (callback conditions, resource attributes). */
#include "secdesc.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "condexpr.h"
#include "limits.h"

#define SD_HEADER 20u
#define ACL_HEADER 8u

int ace_type_is_object(uint8_t type)
{
	switch (type) {
	case ACE_ACCESS_ALLOWED_OBJECT:
	case ACE_ACCESS_DENIED_OBJECT:
	case ACE_SYSTEM_AUDIT_OBJECT:
	case ACE_SYSTEM_ALARM_OBJECT:
	case ACE_ACCESS_ALLOWED_CALLBACK_OBJECT:
	case ACE_ACCESS_DENIED_CALLBACK_OBJECT:
	case ACE_SYSTEM_AUDIT_CALLBACK_OBJECT:
	case ACE_SYSTEM_ALARM_CALLBACK_OBJECT:
		return 1;
	default:
		return 0;
	}
}

int ace_type_is_callback(uint8_t type)
{
	return type >= ACE_ACCESS_ALLOWED_CALLBACK && type <= ACE_SYSTEM_ALARM_CALLBACK_OBJECT;
}

int ace_type_is_deny(uint8_t type)
{
	return type == ACE_ACCESS_DENIED || type == ACE_ACCESS_DENIED_OBJECT ||
	       type == ACE_ACCESS_DENIED_CALLBACK || type == ACE_ACCESS_DENIED_CALLBACK_OBJECT;
}

static void acl_release(struct acl *acl)
{
	unsigned i;

	if (acl->aces)
		for (i = 0; i < acl->count; i++)
			free(acl->aces[i].appdata);
	free(acl->aces);
	memset(acl, 0, sizeof(*acl));
}

void secdesc_release(struct secdesc *sd)
{
	if (!sd)
		return;
	acl_release(&sd->dacl);
	acl_release(&sd->sacl);
	memset(sd, 0, sizeof(*sd));
}

int secdesc_is_stub(const uint8_t *buf, size_t len)
{
	static const uint8_t stub[5] = { 0x00, 0x00, 0x0e, 0x00, 0x01 };

	return buf && len == sizeof(stub) && memcmp(buf, stub, sizeof(stub)) == 0;
}

/* Where an offset from the header may point (RtlValidRelative-
 * SecurityDescriptor): past the 20-byte header, 4-aligned, with at least
 * min bytes left. */
static int check_offset(const char *what, size_t off, size_t len, size_t min,
			struct err *err)
{
	if (off < SD_HEADER)
		return err_set(err, -E_CORRUPT, "descriptor: %s offset %zu inside the 20-byte header",
			       what, off);
	if (off % 4)
		return err_set(err, -E_CORRUPT, "descriptor: %s offset %zu not a multiple of 4",
			       what, off);
	if (off >= len || len - off < min)
		return err_set(err, -E_CORRUPT, "descriptor: %s offset %zu past the end of the %zu-byte descriptor",
			       what, off, len);
	return 0;
}

/* One ACE at p (at offset base in the descriptor, avail bytes left in its
 * ACL), checked as RtlValidAcl does, then its application data: a
 * callback ACE's condition (when it has the "artx" signature) and an RA
 * ACE's attribute must be well formed. */
static int ace_parse(const uint8_t *p, size_t avail, size_t base, unsigned idx,
		     struct ace *a, size_t *used, struct err *err)
{
	size_t size, pos, sidlen;
	int rc;

	if (avail < 8)
		return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: %zu bytes left in the ACL < 8",
			       idx, base, avail);
	/* 0x00, 0x01, 0x02 */
	a->type = p[0];
	a->flags = p[1];
	size = le16(p + 2);
	if (size < 8)
		return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: size %zu < 8", idx, base, size);
	if (size % 4)
		return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: size %zu not a multiple of 4",
			       idx, base, size);
	if (size > avail)
		return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: size %zu > %zu bytes left in the ACL",
			       idx, base, size, avail);
	if (a->type == ACE_ACCESS_ALLOWED_COMPOUND || a->type > ACE_TYPE_MAX)
		return err_set(err, -E_UNSUPPORTED, "ACE %u at offset %zu: type 0x%02x not supported",
			       idx, base, a->type);
	/* 0x04 */
	a->mask = le32(p + 4);
	pos = 8;
	if (ace_type_is_object(a->type)) {
		if (size < pos + 4)
			return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: object ACE size %zu < 12",
				       idx, base, size);
		/* 0x08 */
		a->object_flags = le32(p + 8);
		pos += 4;
		if (a->object_flags & ~(uint32_t)(ACE_OBJECT_TYPE_PRESENT |
						  ACE_INHERITED_OBJECT_TYPE_PRESENT))
			return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: object flags 0x%x unknown",
				       idx, base, a->object_flags);
		if (a->object_flags & ACE_OBJECT_TYPE_PRESENT) {
			if (size < pos + 16)
				return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: size %zu too small for its object type",
					       idx, base, size);
			memcpy(a->object_type, p + pos, 16);
			pos += 16;
		}
		if (a->object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT) {
			if (size < pos + 16)
				return err_set(err, -E_CORRUPT, "ACE %u at offset %zu: size %zu too small for its inherited object type",
					       idx, base, size);
			memcpy(a->inherited_object_type, p + pos, 16);
			pos += 16;
		}
	}
	rc = sid_parse(p + pos, size - pos, &a->sid, &sidlen, err);
	if (rc < 0)
		return err_wrap(err, "ACE %u at offset %zu", idx, base);
	pos += sidlen;
	if (size > pos) {
		a->appdata_len = (uint16_t)(size - pos);
		a->appdata = malloc(a->appdata_len);
		if (!a->appdata) {
			a->appdata_len = 0;
			return err_set(err, -E_NOMEM, "out of memory");
		}
		memcpy(a->appdata, p + pos, a->appdata_len);
	}
	if (ace_type_is_callback(a->type) && condexpr_is_conditional(a->appdata, a->appdata_len))
		rc = condexpr_validate(a->appdata, a->appdata_len, base + pos, err);
	else if (a->type == ACE_SYSTEM_RESOURCE_ATTRIBUTE)
		rc = claim_validate(a->appdata, a->appdata_len, base + pos, err);
	if (rc < 0)
		return err_wrap(err, "ACE %u at offset %zu", idx, base);
	*used = size;
	return 0;
}

/* RtlValidAcl: revision 2..4, an even AclSize of at least 8 inside the
 * descriptor, AceCount ACEs that fit it. */
static int acl_parse(const uint8_t *buf, size_t len, size_t off, const char *what,
		     struct acl *acl, struct err *err)
{
	const uint8_t *p;
	size_t size, pos, used = 0;
	unsigned count, i;
	int rc;

	if ((rc = check_offset(what, off, len, ACL_HEADER, err)) < 0)
		return rc;
	p = buf + off;
	/* 0x00 */
	acl->revision = p[0];
	if (p[0] < 2 || p[0] > 4)
		return err_set(err, -E_CORRUPT, "descriptor: %s at offset %zu: revision %u not 2..4",
			       what, off, p[0]);
	/* 0x02 */
	size = le16(p + 2);
	if (size < ACL_HEADER)
		return err_set(err, -E_CORRUPT, "descriptor: %s at offset %zu: size %zu < 8",
			       what, off, size);
	if (size % 2)
		return err_set(err, -E_CORRUPT, "descriptor: %s at offset %zu: size %zu is odd",
			       what, off, size);
	if (size > len - off)
		return err_set(err, -E_CORRUPT, "descriptor: %s at offset %zu: size %zu past the end of the descriptor (%zu bytes left)",
			       what, off, size, len - off);
	/* 0x04 */
	count = le16(p + 4);
	if (count > LIMIT_ACL_ACES)
		return err_set(err, -E_LIMIT, "descriptor: %s at offset %zu: %u ACEs > LIMIT_ACL_ACES (%u)",
			       what, off, count, LIMIT_ACL_ACES);
	/* Each ACE is at least 8 bytes: reject impossible counts before
	 * allocating. */
	if ((size_t)count * 8 > size - ACL_HEADER)
		return err_set(err, -E_CORRUPT, "descriptor: %s at offset %zu: %u ACEs cannot fit in %zu bytes",
			       what, off, count, size);
	if (count) {
		acl->aces = calloc(count, sizeof(*acl->aces));
		if (!acl->aces)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	pos = ACL_HEADER;
	for (i = 0; i < count; i++) {
		acl->count = i + 1;  /* so release frees a partial ACE */
		rc = ace_parse(p + pos, size - pos, off + pos, i, &acl->aces[i], &used, err);
		if (rc < 0)
			return err_wrap(err, "descriptor: %s at offset %zu", what, off);
		pos += used;
	}
	acl->count = count;
	return 0;
}

static int sid_at(const uint8_t *buf, size_t len, size_t off, const char *what,
		  struct sid *out, struct err *err)
{
	int rc = check_offset(what, off, len, 8, err);

	if (rc < 0)
		return rc;
	rc = sid_parse(buf + off, len - off, out, NULL, err);
	if (rc < 0)
		return err_wrap(err, "descriptor: %s at offset %zu", what, off);
	return 0;
}

int secdesc_parse(const uint8_t *buf, size_t len, struct secdesc *sd,
		  struct err *err)
{
	size_t off_owner, off_group, off_sacl, off_dacl;
	int rc;

	memset(sd, 0, sizeof(*sd));
	if (!buf || len < SD_HEADER)
		return err_set(err, -E_CORRUPT, "descriptor: %zu bytes < 20", buf ? len : 0);
	if (len > LIMIT_SD_SIZE)
		return err_set(err, -E_LIMIT, "descriptor: %zu bytes > LIMIT_SD_SIZE (%u)",
			       len, LIMIT_SD_SIZE);
	/* 0x00 */
	if (buf[0] != 1)
		return err_set(err, -E_CORRUPT, "descriptor: revision %u != 1", buf[0]);
	/* 0x01 */
	sd->sbz1 = buf[1];
	/* 0x02 */
	sd->control = le16(buf + 2);
	if (!(sd->control & SE_SELF_RELATIVE))
		return err_set(err, -E_CORRUPT,
			       "descriptor: control 0x%04x lacks SE_SELF_RELATIVE", sd->control);
	/* 0x04 0x08 0x0C 0x10 */
	off_owner = le32(buf + 4);
	off_group = le32(buf + 8);
	off_sacl = le32(buf + 12);
	off_dacl = le32(buf + 16);
	if (off_owner) {
		if ((rc = sid_at(buf, len, off_owner, "owner", &sd->owner, err)) < 0)
			return rc;
		sd->has_owner = 1;
	}
	if (off_group) {
		if ((rc = sid_at(buf, len, off_group, "group", &sd->group, err)) < 0)
			return rc;
		sd->has_group = 1;
	}
	/* An ACL whose PRESENT bit is clear is not part of the descriptor
	 * (SepGetDaclFromDescriptor): Windows neither checks nor uses it. */
	if (off_sacl && (sd->control & SE_SACL_PRESENT)) {
		if ((rc = acl_parse(buf, len, off_sacl, "sacl", &sd->sacl, err)) < 0)
			return rc;
		sd->has_sacl = 1;
	}
	if (off_dacl && (sd->control & SE_DACL_PRESENT)) {
		if ((rc = acl_parse(buf, len, off_dacl, "dacl", &sd->dacl, err)) < 0)
			return rc;
		sd->has_dacl = 1;
	}
	return 0;
}

static size_t ace_size(const struct ace *a)
{
	size_t n = 8 + sid_size(&a->sid) + a->appdata_len;

	if (ace_type_is_object(a->type)) {
		n += 4;
		if (a->object_flags & ACE_OBJECT_TYPE_PRESENT)
			n += 16;
		if (a->object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT)
			n += 16;
	}
	return n;
}

static int acl_size(const struct acl *acl, const char *what, size_t *out,
		    struct err *err)
{
	size_t n = ACL_HEADER, s;
	unsigned i;

	if (acl->count > LIMIT_ACL_ACES)
		return err_set(err, -E_LIMIT, "%s: %u ACEs > LIMIT_ACL_ACES (%u)", what,
			       acl->count, LIMIT_ACL_ACES);
	for (i = 0; i < acl->count; i++) {
		s = ace_size(&acl->aces[i]);
		if (s > 0xffff)
			return err_set(err, -E_LIMIT, "%s: ACE %u: %zu bytes do not fit AceSize",
				       what, i, s);
		n += s;
	}
	if (n > 0xffff)
		return err_set(err, -E_LIMIT, "%s: %zu bytes do not fit AclSize", what, n);
	*out = n;
	return 0;
}

static size_t acl_write(const struct acl *acl, size_t size, uint8_t *p)
{
	size_t pos = ACL_HEADER, s;
	unsigned i;

	p[0] = acl->revision ? acl->revision : 2;
	p[1] = 0;
	put_le16(p + 2, (uint16_t)size);
	put_le16(p + 4, (uint16_t)acl->count);
	put_le16(p + 6, 0);
	for (i = 0; i < acl->count; i++) {
		const struct ace *a = &acl->aces[i];
		uint8_t *q = p + pos;
		size_t o = 8;

		s = ace_size(a);
		q[0] = a->type;
		q[1] = a->flags;
		put_le16(q + 2, (uint16_t)s);
		put_le32(q + 4, a->mask);
		if (ace_type_is_object(a->type)) {
			put_le32(q + 8, a->object_flags);
			o += 4;
			if (a->object_flags & ACE_OBJECT_TYPE_PRESENT) {
				memcpy(q + o, a->object_type, 16);
				o += 16;
			}
			if (a->object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT) {
				memcpy(q + o, a->inherited_object_type, 16);
				o += 16;
			}
		}
		o += sid_encode(&a->sid, q + o, s - o);
		if (a->appdata_len)
			memcpy(q + o, a->appdata, a->appdata_len);
		pos += s;
	}
	return pos;
}

int secdesc_encode(const struct secdesc *sd, uint8_t **buf, size_t *len,
		   struct err *err)
{
	size_t sacl = 0, dacl = 0, total = SD_HEADER, pos = SD_HEADER;
	uint8_t *p;
	int rc;

	*buf = NULL;
	*len = 0;
	if (sd->has_sacl && (rc = acl_size(&sd->sacl, "sacl", &sacl, err)) < 0)
		return rc;
	if (sd->has_dacl && (rc = acl_size(&sd->dacl, "dacl", &dacl, err)) < 0)
		return rc;
	total += sacl + dacl;
	if (sd->has_owner)
		total += sid_size(&sd->owner);
	if (sd->has_group)
		total += sid_size(&sd->group);
	if (total > LIMIT_SD_SIZE)
		return err_set(err, -E_LIMIT, "descriptor: %zu bytes > LIMIT_SD_SIZE (%u)",
			       total, LIMIT_SD_SIZE);
	p = calloc(1, total);
	if (!p)
		return err_set(err, -E_NOMEM, "out of memory");
	p[0] = 1;
	p[1] = sd->sbz1;
	put_le16(p + 2, (uint16_t)(sd->control | SE_SELF_RELATIVE));
	/* Windows' order (RtlMakeSelfRelativeSD): SACL, DACL, owner, group */
	if (sd->has_sacl) {
		put_le32(p + 12, (uint32_t)pos);
		pos += acl_write(&sd->sacl, sacl, p + pos);
	}
	if (sd->has_dacl) {
		put_le32(p + 16, (uint32_t)pos);
		pos += acl_write(&sd->dacl, dacl, p + pos);
	}
	if (sd->has_owner) {
		put_le32(p + 4, (uint32_t)pos);
		pos += sid_encode(&sd->owner, p + pos, total - pos);
	}
	if (sd->has_group) {
		put_le32(p + 8, (uint32_t)pos);
		pos += sid_encode(&sd->group, p + pos, total - pos);
	}
	*buf = p;
	*len = pos;
	return 0;
}

int acl_append(struct acl *acl, const struct ace *a, struct err *err)
{
	struct ace *n;

	if (acl->count >= LIMIT_ACL_ACES)
		return err_set(err, -E_LIMIT, "more than LIMIT_ACL_ACES (%u) ACEs",
			       LIMIT_ACL_ACES);
	n = realloc(acl->aces, (acl->count + 1) * sizeof(*n));
	if (!n)
		return err_set(err, -E_NOMEM, "out of memory");
	acl->aces = n;
	n[acl->count] = *a;
	n[acl->count].appdata = NULL;
	n[acl->count].appdata_len = 0;
	if (a->appdata_len) {
		n[acl->count].appdata = malloc(a->appdata_len);
		if (!n[acl->count].appdata)
			return err_set(err, -E_NOMEM, "out of memory");
		memcpy(n[acl->count].appdata, a->appdata, a->appdata_len);
		n[acl->count].appdata_len = a->appdata_len;
	}
	acl->count++;
	return 0;
}

static int acl_copy(struct acl *dst, const struct acl *src, struct err *err)
{
	unsigned i;
	int rc;

	memset(dst, 0, sizeof(*dst));
	dst->revision = src->revision;
	for (i = 0; i < src->count; i++)
		if ((rc = acl_append(dst, &src->aces[i], err)) < 0)
			return rc;
	return 0;
}

int secdesc_copy(struct secdesc *dst, const struct secdesc *src,
		 struct err *err)
{
	int rc;

	*dst = *src;
	memset(&dst->dacl, 0, sizeof(dst->dacl));
	memset(&dst->sacl, 0, sizeof(dst->sacl));
	if ((rc = acl_copy(&dst->dacl, &src->dacl, err)) < 0 ||
	    (rc = acl_copy(&dst->sacl, &src->sacl, err)) < 0) {
		secdesc_release(dst);
		return rc;
	}
	return 0;
}

static int ace_equal(const struct ace *a, const struct ace *b)
{
	if (a->type != b->type || a->flags != b->flags || a->mask != b->mask ||
	    !sid_equal(&a->sid, &b->sid) || a->appdata_len != b->appdata_len)
		return 0;
	if (a->appdata_len && memcmp(a->appdata, b->appdata, a->appdata_len))
		return 0;
	if (ace_type_is_object(a->type)) {
		if (a->object_flags != b->object_flags)
			return 0;
		if ((a->object_flags & ACE_OBJECT_TYPE_PRESENT) &&
		    memcmp(a->object_type, b->object_type, 16))
			return 0;
		if ((a->object_flags & ACE_INHERITED_OBJECT_TYPE_PRESENT) &&
		    memcmp(a->inherited_object_type, b->inherited_object_type, 16))
			return 0;
	}
	return 1;
}

static int acl_equal(const struct acl *a, const struct acl *b)
{
	unsigned i;

	if (a->revision != b->revision || a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++)
		if (!ace_equal(&a->aces[i], &b->aces[i]))
			return 0;
	return 1;
}

int secdesc_equal(const struct secdesc *a, const struct secdesc *b)
{
	if (a->control != b->control || a->sbz1 != b->sbz1 ||
	    a->has_owner != b->has_owner || a->has_group != b->has_group ||
	    a->has_dacl != b->has_dacl || a->has_sacl != b->has_sacl)
		return 0;
	if (a->has_owner && !sid_equal(&a->owner, &b->owner))
		return 0;
	if (a->has_group && !sid_equal(&a->group, &b->group))
		return 0;
	if (a->has_dacl && !acl_equal(&a->dacl, &b->dacl))
		return 0;
	if (a->has_sacl && !acl_equal(&a->sacl, &b->sacl))
		return 0;
	return 1;
}

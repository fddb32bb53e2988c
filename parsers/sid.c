/* Security identifiers (MS-DTYP 2.4.2).
 *
 * Binary layout (MS-DTYP 2.4.2.2):
 *   0x00 Revision (1)  0x01 SubAuthorityCount (<= 15)
 *   0x02 IdentifierAuthority, 6 bytes, big-endian
 *   0x08 SubAuthority[], little-endian DWORDs */
#include "sid.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"

struct known_sid {
	const char *alias;        /* SDDL alias or NULL */
	const char *name;         /* English account name or NULL */
	uint64_t authority;
	unsigned count;
	uint32_t sub[6];
};

/* SDDL aliases (Windows' "SID strings" list, Windows 10) and the names
 * LookupAccountSid gives on an English system.  Order matters only for
 * readability. */
static const struct known_sid known[] = {
	{ NULL, "NULL SID",                       0, 1, { 0 } },
	{ "WD", "Everyone",                       1, 1, { 0 } },
	{ NULL, "LOCAL",                          2, 1, { 0 } },
	{ NULL, "CONSOLE LOGON",                  2, 1, { 1 } },
	{ "CO", "CREATOR OWNER",                  3, 1, { 0 } },
	{ "CG", "CREATOR GROUP",                  3, 1, { 1 } },
	{ "OW", "OWNER RIGHTS",                   3, 1, { 4 } },
	{ NULL, "NT AUTHORITY\\DIALUP",           5, 1, { 1 } },
	{ "NU", "NT AUTHORITY\\NETWORK",          5, 1, { 2 } },
	{ NULL, "NT AUTHORITY\\BATCH",            5, 1, { 3 } },
	{ "IU", "NT AUTHORITY\\INTERACTIVE",      5, 1, { 4 } },
	{ "SU", "NT AUTHORITY\\SERVICE",          5, 1, { 6 } },
	{ "AN", "NT AUTHORITY\\ANONYMOUS LOGON",  5, 1, { 7 } },
	{ NULL, "NT AUTHORITY\\PROXY",            5, 1, { 8 } },
	{ "ED", "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS", 5, 1, { 9 } },
	{ "PS", "NT AUTHORITY\\SELF",             5, 1, { 10 } },
	{ "AU", "NT AUTHORITY\\Authenticated Users", 5, 1, { 11 } },
	{ "RC", "NT AUTHORITY\\RESTRICTED",       5, 1, { 12 } },
	{ NULL, "NT AUTHORITY\\TERMINAL SERVER USER", 5, 1, { 13 } },
	{ NULL, "NT AUTHORITY\\REMOTE INTERACTIVE LOGON", 5, 1, { 14 } },
	{ NULL, "NT AUTHORITY\\This Organization", 5, 1, { 15 } },
	{ NULL, "NT AUTHORITY\\IUSR",             5, 1, { 17 } },
	{ "SY", "NT AUTHORITY\\SYSTEM",           5, 1, { 18 } },
	{ "LS", "NT AUTHORITY\\LOCAL SERVICE",    5, 1, { 19 } },
	{ "NS", "NT AUTHORITY\\NETWORK SERVICE",  5, 1, { 20 } },
	{ "WR", "NT AUTHORITY\\WRITE RESTRICTED", 5, 1, { 33 } },
	{ NULL, "NT AUTHORITY\\Local account",    5, 1, { 113 } },
	{ NULL, "NT AUTHORITY\\Local account and member of Administrators group", 5, 1, { 114 } },
	{ NULL, "NT AUTHORITY\\Other Organization", 5, 1, { 1000 } },
	{ "BA", "BUILTIN\\Administrators",        5, 2, { 32, 544 } },
	{ "BU", "BUILTIN\\Users",                 5, 2, { 32, 545 } },
	{ "BG", "BUILTIN\\Guests",                5, 2, { 32, 546 } },
	{ "PU", "BUILTIN\\Power Users",           5, 2, { 32, 547 } },
	{ "AO", "BUILTIN\\Account Operators",     5, 2, { 32, 548 } },
	{ "SO", "BUILTIN\\Server Operators",      5, 2, { 32, 549 } },
	{ "PO", "BUILTIN\\Print Operators",       5, 2, { 32, 550 } },
	{ "BO", "BUILTIN\\Backup Operators",      5, 2, { 32, 551 } },
	{ "RE", "BUILTIN\\Replicator",            5, 2, { 32, 552 } },
	{ "RU", "BUILTIN\\Pre-Windows 2000 Compatible Access", 5, 2, { 32, 554 } },
	{ "RD", "BUILTIN\\Remote Desktop Users",  5, 2, { 32, 555 } },
	{ "NO", "BUILTIN\\Network Configuration Operators", 5, 2, { 32, 556 } },
	{ "MU", "BUILTIN\\Performance Monitor Users", 5, 2, { 32, 558 } },
	{ "LU", "BUILTIN\\Performance Log Users", 5, 2, { 32, 559 } },
	{ "IS", "BUILTIN\\IIS_IUSRS",             5, 2, { 32, 568 } },
	{ "CY", "BUILTIN\\Cryptographic Operators", 5, 2, { 32, 569 } },
	{ "ER", "BUILTIN\\Event Log Readers",     5, 2, { 32, 573 } },
	{ "CD", "BUILTIN\\Certificate Service DCOM Access", 5, 2, { 32, 574 } },
	{ "RA", "BUILTIN\\RDS Remote Access Servers", 5, 2, { 32, 575 } },
	{ "ES", "BUILTIN\\RDS Endpoint Servers",  5, 2, { 32, 576 } },
	{ "MS", "BUILTIN\\RDS Management Servers", 5, 2, { 32, 577 } },
	{ "HA", "BUILTIN\\Hyper-V Administrators", 5, 2, { 32, 578 } },
	{ "AA", "BUILTIN\\Access Control Assistance Operators", 5, 2, { 32, 579 } },
	{ "RM", "BUILTIN\\Remote Management Users", 5, 2, { 32, 580 } },
	{ NULL, "NT SERVICE\\ALL SERVICES",       5, 2, { 80, 0 } },
	{ "UD", "NT AUTHORITY\\USER MODE DRIVERS", 5, 6, { 84, 0, 0, 0, 0, 0 } },
	/* Service SIDs (S-1-5-80-SHA1(UTF-16LE(uppercase name))) of the
	 * services this tool talks about; svcsid_from_name() computes any. */
	{ NULL, "NT SERVICE\\TrustedInstaller",   5, 6, { 80, 956008885u, 3418522649u, 1831038044u, 1853292631u, 2271478464u } },
	{ NULL, "NT SERVICE\\CryptSvc",           5, 6, { 80, 242729624u, 280608522u, 2219052887u, 3187409060u, 2225943459u } },
	{ NULL, "NT SERVICE\\EventSystem",        5, 6, { 80, 1772571935u, 1555666882u, 3369284645u, 1675012128u, 2386634627u } },
	{ NULL, "NT SERVICE\\VSS",                5, 6, { 80, 3195062495u, 2862850656u, 3724129271u, 1847284719u, 4038691091u } },
	{ NULL, "NT SERVICE\\swprv",              5, 6, { 80, 1614360071u, 3471039648u, 1078047007u, 3707138327u, 1664821506u } },
	{ NULL, "NT SERVICE\\MsLldp",             5, 6, { 80, 2542081156u, 3563385132u, 3937647205u, 2588572414u, 2394664210u } },
	{ NULL, "NT SERVICE\\NlaSvc",             5, 6, { 80, 3141615172u, 2057878085u, 1754447212u, 2405740020u, 3916490453u } },
	{ NULL, "NT SERVICE\\EventLog",           5, 6, { 80, 880578595u, 1860270145u, 482643319u, 2788375705u, 1540778122u } },
	{ NULL, "NT SERVICE\\Winmgmt",            5, 6, { 80, 3750560858u, 172214265u, 3889451188u, 1914796615u, 4100997547u } },
	{ NULL, "NT SERVICE\\RpcSs",              5, 6, { 80, 979556362u, 403687129u, 3954533659u, 2335141334u, 1547273080u } },
	{ "AC", "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES", 15, 2, { 2, 1 } },
	{ NULL, "APPLICATION PACKAGE AUTHORITY\\ALL RESTRICTED APPLICATION PACKAGES", 15, 2, { 2, 2 } },
	{ NULL, "Mandatory Label\\Untrusted Mandatory Level", 16, 1, { 0 } },
	{ "LW", "Mandatory Label\\Low Mandatory Level", 16, 1, { 4096 } },
	{ "ME", "Mandatory Label\\Medium Mandatory Level", 16, 1, { 8192 } },
	{ "MP", "Mandatory Label\\Medium Plus Mandatory Level", 16, 1, { 8448 } },
	{ "HI", "Mandatory Label\\High Mandatory Level", 16, 1, { 12288 } },
	{ "SI", "Mandatory Label\\System Mandatory Level", 16, 1, { 16384 } },
	{ NULL, "Mandatory Label\\Protected Process Mandatory Level", 16, 1, { 20480 } },
	{ "AS", "Authentication authority asserted identity", 18, 1, { 1 } },
	{ "SS", "Service asserted identity",      18, 1, { 2 } },
};

/* Aliases relative to the domain or machine SID: not resolvable offline,
 * never printed (the full SID is printed instead). */
static const char *const domain_aliases[] = {
	"AP", "CA", "CN", "DA", "DC", "DD", "DG", "DU", "EA", "EK", "KA",
	"LA", "LG", "PA", "RO", "RS", "SA",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int known_matches(const struct known_sid *k, const struct sid *s)
{
	unsigned i;

	if (s->revision != 1 || k->authority != s->authority ||
	    k->count != s->sub_count)
		return 0;
	for (i = 0; i < k->count; i++)
		if (k->sub[i] != s->sub[i])
			return 0;
	return 1;
}

void sid_make(struct sid *out, uint64_t authority, unsigned n,
	      const uint32_t *subs)
{
	unsigned i;

	memset(out, 0, sizeof(*out));
	out->revision = 1;
	if (n > SID_MAX_SUB)
		n = SID_MAX_SUB;
	out->sub_count = (uint8_t)n;
	out->authority = authority & 0xffffffffffffULL;
	for (i = 0; i < n; i++)
		out->sub[i] = subs[i];
}

int sid_parse(const uint8_t *p, size_t len, struct sid *out, size_t *used,
	      struct err *err)
{
	unsigned i, n;
	size_t need;

	memset(out, 0, sizeof(*out));
	if (used)
		*used = 0;
	if (len < 8)
		return err_set(err, -E_CORRUPT, "sid: %zu bytes < 8", len);
	/* 0x00 */
	if (p[0] != 1)
		return err_set(err, -E_CORRUPT, "sid: revision %u != 1", p[0]);
	/* 0x01 */
	n = p[1];
	if (n > SID_MAX_SUB)   /* RtlValidSid: a format rule, not a resource limit */
		return err_set(err, -E_CORRUPT, "sid: %u sub-authorities > 15", n);
	need = 8 + 4 * (size_t)n;
	if (len < need)
		return err_set(err, -E_CORRUPT,
			       "sid: %u sub-authorities need %zu bytes, %zu left",
			       n, need, len);
	out->revision = 1;
	out->sub_count = (uint8_t)n;
	/* 0x02: 48-bit big-endian authority */
	out->authority = 0;
	for (i = 0; i < 6; i++)
		out->authority = (out->authority << 8) | p[2 + i];
	/* 0x08 */
	for (i = 0; i < n; i++)
		out->sub[i] = le32(p + 8 + 4 * i);
	if (used)
		*used = need;
	return 0;
}

size_t sid_size(const struct sid *s)
{
	return 8 + 4 * (size_t)(s->sub_count > SID_MAX_SUB ? SID_MAX_SUB : s->sub_count);
}

size_t sid_encode(const struct sid *s, uint8_t *buf, size_t size)
{
	size_t need = sid_size(s);
	unsigned i, n = need / 4 - 2;

	if (size < need)
		return 0;
	buf[0] = 1;
	buf[1] = (uint8_t)n;
	for (i = 0; i < 6; i++)
		buf[2 + i] = (uint8_t)(s->authority >> (8 * (5 - i)));
	for (i = 0; i < n; i++)
		put_le32(buf + 8 + 4 * i, s->sub[i]);
	return need;
}

int sid_equal(const struct sid *a, const struct sid *b)
{
	unsigned i;

	if (a->revision != b->revision || a->sub_count != b->sub_count ||
	    a->authority != b->authority)
		return 0;
	for (i = 0; i < a->sub_count && i < SID_MAX_SUB; i++)
		if (a->sub[i] != b->sub[i])
			return 0;
	return 1;
}

int sid_to_string(const struct sid *s, char *buf, size_t size)
{
	char tmp[SID_STR_MAX];
	size_t pos;
	unsigned i, n = s->sub_count > SID_MAX_SUB ? SID_MAX_SUB : s->sub_count;

	/* MS-DTYP 2.4.2.1: authorities >= 2^32 are written in hex */
	if (s->authority >> 32)
		pos = (size_t)snprintf(tmp, sizeof(tmp), "S-%u-0x%012" PRIX64,
				       s->revision, s->authority);
	else
		pos = (size_t)snprintf(tmp, sizeof(tmp), "S-%u-%" PRIu64,
				       s->revision, s->authority);
	for (i = 0; i < n && pos < sizeof(tmp); i++)
		pos += (size_t)snprintf(tmp + pos, sizeof(tmp) - pos, "-%" PRIu32,
					s->sub[i]);
	if (!buf || size == 0)
		return -E_LIMIT;
	snprintf(buf, size, "%s", tmp);
	return strlen(tmp) < size ? 0 : -E_LIMIT;
}

const char *sid_alias(const struct sid *s)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(known); i++)
		if (known[i].alias && known_matches(&known[i], s))
			return known[i].alias;
	return NULL;
}

const char *sid_name(const struct sid *s)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(known); i++)
		if (known[i].name && known_matches(&known[i], s))
			return known[i].name;
	return NULL;
}

static int alias_eq(const char *a, size_t len, const char *alias)
{
	return len == 2 && toupper((unsigned char)a[0]) == alias[0] &&
	       toupper((unsigned char)a[1]) == alias[1];
}

int sid_from_alias(const char *alias, size_t len, struct sid *out)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(known); i++) {
		if (!known[i].alias || !alias_eq(alias, len, known[i].alias))
			continue;
		sid_make(out, known[i].authority, known[i].count, known[i].sub);
		return 1;
	}
	return 0;
}

int sid_alias_is_domain_relative(const char *alias, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(domain_aliases); i++)
		if (alias_eq(alias, len, domain_aliases[i]))
			return 1;
	return 0;
}

/* Parse an unsigned number in [p, end): decimal, or hex after "0x" when
 * hex_ok.  Returns the end of the digits or NULL on overflow/no digits. */
static const char *parse_num(const char *p, const char *end, uint64_t max,
			     int hex_ok, uint64_t *val)
{
	uint64_t v = 0;
	unsigned base = 10, d;
	const char *start;

	if (hex_ok && end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	start = p;
	for (; p < end; p++) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			break;
		if (v > (max - d) / base)
			return NULL;
		v = v * base + d;
	}
	if (p == start)
		return NULL;
	*val = v;
	return p;
}

int sid_from_text(const char *s, size_t len, struct sid *out, struct err *err)
{
	const char *p = s, *end = s + len;
	uint64_t v;
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	if (len == 2 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1])) {
		if (sid_from_alias(s, len, out))
			return 0;
		if (sid_alias_is_domain_relative(s, len))
			return err_set(err, -E_UNSUPPORTED,
				       "sid alias '%.2s' needs the domain's sid", s);
		return err_set(err, -E_CORRUPT, "unknown sid alias '%.2s'", s);
	}
	if (len < 4 || (p[0] != 'S' && p[0] != 's') || p[1] != '-')
		goto bad;
	p += 2;
	p = parse_num(p, end, 255, 0, &v);
	if (!p || v != 1)
		goto bad;
	if (p >= end || *p != '-')
		goto bad;
	p = parse_num(p + 1, end, 0xffffffffffffULL, 1, &v);
	if (!p)
		goto bad;
	out->revision = 1;
	out->authority = v;
	while (p < end) {
		if (*p != '-')
			goto bad;
		if (n >= LIMIT_SID_SUBAUTH)
			return err_set(err, -E_LIMIT,
				       "sid '%.*s': more than LIMIT_SID_SUBAUTH (%u) sub-authorities",
				       (int)(len > 200 ? 200 : len), s, LIMIT_SID_SUBAUTH);
		p = parse_num(p + 1, end, 0xffffffffULL, 0, &v);
		if (!p)
			goto bad;
		out->sub[n++] = (uint32_t)v;
	}
	out->sub_count = (uint8_t)n;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return err_set(err, -E_CORRUPT, "bad sid '%.*s'",
		       (int)(len > 200 ? 200 : len), s);
}

int sid_from_string(const char *s, struct sid *out, struct err *err)
{
	if (!s) {
		memset(out, 0, sizeof(*out));
		return err_set(err, -E_USAGE, "no sid");
	}
	return sid_from_text(s, strlen(s), out, err);
}

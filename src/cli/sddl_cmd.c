/* `vssdoctor sddl`: see sddl_cmd.h. */
#define _GNU_SOURCE
#include "sddl_cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "access.h"
#include "limits.h"
#include "report_view.h"
#include "sddl.h"
#include "secdesc.h"
#include "sid.h"
#include "svcsid.h"

#define USAGE "usage: vssdoctor sddl [--kind service|file|directory] [--format text|json|sddl] HEX|@FILE|SDDL"

enum sddl_format { SF_TEXT, SF_JSON, SF_SDDL };

const char *sddl_cmd_usage(void)
{
	return USAGE;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("vssdoctor: sddl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	size_t n;

	*buf = NULL;
	*len = 0;
	if (!f)
		return fail("cannot open '%s': %s", path, strerror(errno));
	b = malloc(LIMIT_SDDL_CMD_INPUT + 1);
	if (!b) {
		fclose(f);
		return fail("out of memory");
	}
	n = fread(b, 1, LIMIT_SDDL_CMD_INPUT + 1, f);
	if (ferror(f)) {
		fclose(f);
		free(b);
		return fail("cannot read '%s': %s", path, strerror(errno));
	}
	fclose(f);
	if (n > LIMIT_SDDL_CMD_INPUT) {
		free(b);
		return fail("'%s' is larger than LIMIT_SDDL_CMD_INPUT (%u bytes)", path,
			    LIMIT_SDDL_CMD_INPUT);
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Hex input: digits with optional whitespace/commas and a "hex:" prefix
 * (as in .reg files).  1 parsed, 0 not hex (try SDDL), 2 on error. */
static int parse_hex(const char *s, uint8_t **buf, size_t *len)
{
	size_t digits = 0, i, n = 0;
	const char *p;
	uint8_t *b;
	int hi = -1, v;

	*buf = NULL;
	*len = 0;
	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "hex:", 4) == 0)
		s += 4;
	for (p = s; *p; p++) {
		if (isxdigit((unsigned char)*p))
			digits++;
		else if (!isspace((unsigned char)*p) && *p != ',')
			return 0;
	}
	if (digits == 0)
		return 0;
	if (digits % 2)
		return fail("odd number of hex digits (%zu)", digits);
	if (digits / 2 > LIMIT_SDDL_CMD_INPUT)
		return fail("hex input larger than LIMIT_SDDL_CMD_INPUT (%u bytes)",
			    LIMIT_SDDL_CMD_INPUT);
	b = malloc(digits / 2);
	if (!b)
		return fail("out of memory");
	for (i = 0; s[i]; i++) {
		if (!isxdigit((unsigned char)s[i]))
			continue;
		v = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			b[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	*buf = b;
	*len = n;
	return 1;
}

static const char *type_word(uint8_t type)
{
	switch (type) {
	case ACE_ACCESS_ALLOWED: return "allow";
	case ACE_ACCESS_DENIED: return "deny";
	case ACE_SYSTEM_AUDIT: return "audit";
	case ACE_SYSTEM_ALARM: return "alarm";
	case ACE_ACCESS_ALLOWED_OBJECT: return "allow (object)";
	case ACE_ACCESS_DENIED_OBJECT: return "deny (object)";
	case ACE_SYSTEM_AUDIT_OBJECT: return "audit (object)";
	case ACE_SYSTEM_ALARM_OBJECT: return "alarm (object)";
	case ACE_ACCESS_ALLOWED_CALLBACK: return "allow (conditional)";
	case ACE_ACCESS_DENIED_CALLBACK: return "deny (conditional)";
	case ACE_ACCESS_ALLOWED_CALLBACK_OBJECT: return "allow (conditional object)";
	case ACE_SYSTEM_AUDIT_CALLBACK: return "audit (conditional)";
	case ACE_SYSTEM_MANDATORY_LABEL: return "integrity label";
	case ACE_SYSTEM_RESOURCE_ATTRIBUTE: return "resource attribute";
	case ACE_SYSTEM_SCOPED_POLICY_ID: return "scoped policy";
	case ACE_SYSTEM_PROCESS_TRUST_LABEL: return "trust label";
	case ACE_SYSTEM_ACCESS_FILTER: return "access filter";
	default: return "ace";
	}
}

static void print_sid(const char *label, const struct sid *s)
{
	char str[SID_STR_MAX];
	const char *alias = sid_alias(s), *name = sid_name(s);

	sid_to_string(s, str, sizeof(str));
	printf("%s: %s%s%s%s%s\n", label, alias ? alias : "", alias ? " " : "", str,
	       name ? " " : "", name ? name : "");
}

static void print_acl(const char *label, const struct secdesc *sd, int is_dacl,
		      enum access_object obj, enum sddl_rights kind)
{
	const struct acl *acl = is_dacl ? &sd->dacl : &sd->sacl;
	int present = sd->control & (is_dacl ? SE_DACL_PRESENT : SE_SACL_PRESENT);
	int has = is_dacl ? sd->has_dacl : sd->has_sacl;
	char *ace, sid[SID_STR_MAX], rights[512], type[32];
	unsigned i;

	if (!present) {
		printf("%s: absent%s\n", label,
		       is_dacl ? " (no DACL: everyone has full access)" : "");
		return;
	}
	if (!has) {
		printf("%s: NULL%s\n", label,
		       is_dacl ? " (NO_ACCESS_CONTROL: everyone has full access)" : "");
		return;
	}
	printf("%s: %u ACE%s\n", label, acl->count, acl->count == 1 ? "" : "s");
	for (i = 0; i < acl->count; i++) {
		const struct ace *a = &acl->aces[i];
		const char *name = sid_name(&a->sid);

		/* conditions included, whatever their length */
		snprintf(type, sizeof(type), "(type 0x%02x)", a->type);
		if (sddl_ace_text(a, kind, &ace, NULL) < 0)
			ace = NULL;
		sid_to_string(&a->sid, sid, sizeof(sid));
		access_rights_names(a->mask, obj, rights, sizeof(rights));
		printf("  %2u. %s\n", i + 1, ace ? ace : type);
		free(ace);
		printf("      %s%s %s%s%s%s: %s\n", type_word(a->type),
		       (a->flags & ACE_INHERIT_ONLY) ? " (inherit only: not for this object)" : "",
		       name ? name : sid, name ? " (" : "", name ? sid : "", name ? ")" : "",
		       rights);
	}
}

static void print_effective(const struct secdesc *sd, enum access_object obj,
			    const char *label, const char *desc, const struct token *t)
{
	char rights[512];

	access_rights_names(access_effective(sd, t, obj), obj, rights, sizeof(rights));
	printf("  %-7s %s: %s\n", label, desc, rights);
}

static int report(const struct secdesc *sd, enum access_object obj,
		  enum sddl_rights kind)
{
	static const char *const singles[][2] = {
		{ "SY", "NT AUTHORITY\\SYSTEM" },
		{ "BA", "BUILTIN\\Administrators" },
		{ "NS", "NT AUTHORITY\\NETWORK SERVICE" },
	};
	static const char *const writer[] = {
		"NS", "SU", "AU", "WD", "BU", "S-1-5-15",
	};
	struct err err;
	struct token t;
	struct sid cryptsvc;
	uint8_t *bin = NULL;
	size_t binlen = 0, i;
	char *text = NULL;
	int rc;

	err_init(&err);
	if ((rc = sddl_encode(sd, kind, &text, &err)) < 0)
		return fail("%s", err.msg);
	if ((rc = secdesc_encode(sd, &bin, &binlen, &err)) < 0) {
		free(text);
		return fail("%s", err.msg);
	}
	printf("%s\n", text);
	printf("hex: ");
	for (i = 0; i < binlen; i++)
		printf("%02x", bin[i]);
	printf("\nsize: %zu bytes\n", binlen);
	printf("control: 0x%04x\n", sd->control);
	if (sd->has_owner)
		print_sid("owner", &sd->owner);
	else
		printf("owner: absent\n");
	if (sd->has_group)
		print_sid("group", &sd->group);
	else
		printf("group: absent\n");
	print_acl("dacl", sd, 1, obj, kind);
	print_acl("sacl", sd, 0, obj, kind);

	printf("effective rights (%s, single-SID tokens for SY BA NS; privileges not counted):\n",
	       obj == ACCESS_SERVICE ? "service" : obj == ACCESS_FILE ? "file" : "directory");
	for (i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
		memset(&t, 0, sizeof(t));
		token_add(&t, singles[i][0], NULL);
		print_effective(sd, obj, singles[i][0], singles[i][1], &t);
	}
	memset(&t, 0, sizeof(t));
	for (i = 0; i < sizeof(writer) / sizeof(writer[0]); i++)
		token_add(&t, writer[i], NULL);
	if (svcsid_from_name("CryptSvc", &cryptsvc, &err) == 0)
		token_add_sid(&t, &cryptsvc, NULL);
	print_effective(sd, obj, "writer",
			"System Writer (NS SU AU WD BU S-1-5-15 NT SERVICE\\CryptSvc)", &t);
	free(text);
	free(bin);
	return 0;
}

/* --- --format json: for scripts */

static json_t *sid_json(const struct sid *s)
{
	char str[SID_STR_MAX];
	const char *alias = sid_alias(s), *name = sid_name(s);

	sid_to_string(s, str, sizeof(str));
	return json_pack("{s:s, s:s?, s:s?}", "sid", str, "alias", alias, "name", name);
}

/* A mask as {"mask": N, "hex": "0x...", "rights": [names as Windows'
 * headers spell them; [] for none], "words": "..."}. */
static json_t *rights_json(uint32_t mask, enum access_object obj)
{
	char names[512], words[768], hex[16];
	json_t *arr = json_array(), *o;
	char *p, *save = NULL;

	access_rights_names(mask, obj, names, sizeof(names));
	view_rights_words(names, words, sizeof(words));
	snprintf(hex, sizeof(hex), "0x%08x", mask);
	o = json_pack("{s:I, s:s, s:o, s:s}", "mask", (json_int_t)mask, "hex", hex, "rights", arr,
		      "words", words);
	for (p = mask ? strtok_r(names, "|", &save) : NULL; p; p = strtok_r(NULL, "|", &save))
		json_array_append_new(arr, json_string(p));
	return o;
}

static json_t *acl_json(const struct secdesc *sd, int is_dacl, enum access_object obj,
			enum sddl_rights kind)
{
	static const struct { uint8_t bit; const char *name; } flags[] = {
		{ ACE_OBJECT_INHERIT, "OBJECT_INHERIT" },
		{ ACE_CONTAINER_INHERIT, "CONTAINER_INHERIT" },
		{ ACE_NO_PROPAGATE_INHERIT, "NO_PROPAGATE_INHERIT" },
		{ ACE_INHERIT_ONLY, "INHERIT_ONLY" },
		{ ACE_INHERITED, "INHERITED" },
		{ ACE_CRITICAL, "CRITICAL" },
		{ ACE_SUCCESSFUL_ACCESS, "SUCCESSFUL_ACCESS" },
		{ ACE_FAILED_ACCESS, "FAILED_ACCESS" },
	};
	const struct acl *acl = is_dacl ? &sd->dacl : &sd->sacl;
	int present = (sd->control & (is_dacl ? SE_DACL_PRESENT : SE_SACL_PRESENT)) != 0;
	int has = is_dacl ? sd->has_dacl : sd->has_sacl;
	json_t *o, *aces;
	unsigned i;
	size_t k;

	if (!present)
		return json_null();
	aces = json_array();
	o = json_pack("{s:b, s:o}", "null", !has, "aces", aces);
	if (!has)
		return o;
	json_object_set_new(o, "revision", json_integer(acl->revision));
	for (i = 0; i < acl->count; i++) {
		const struct ace *a = &acl->aces[i];
		char text[SDDL_ACE_MAX];
		json_t *fl = json_array(), *ace;

		if (sddl_ace_encode(a, kind, text, sizeof(text)) < 0)
			text[0] = 0;
		for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
			if (a->flags & flags[k].bit)
				json_array_append_new(fl, json_string(flags[k].name));
		ace = json_pack("{s:s, s:s, s:i, s:o, s:o, s:o}", "sddl", text, "type",
				type_word(a->type), "type_code", a->type, "flags", fl, "sid",
				sid_json(&a->sid), "access", rights_json(a->mask, obj));
		json_array_append_new(aces, ace);
	}
	return o;
}

static int report_json(const struct secdesc *sd, enum access_object obj,
		       enum sddl_rights kind)
{
	static const char *const cflags[16] = {
		"OWNER_DEFAULTED", "GROUP_DEFAULTED", "DACL_PRESENT", "DACL_DEFAULTED",
		"SACL_PRESENT", "SACL_DEFAULTED", "DACL_TRUSTED", "SERVER_SECURITY",
		"DACL_AUTO_INHERIT_REQ", "SACL_AUTO_INHERIT_REQ", "DACL_AUTO_INHERITED",
		"SACL_AUTO_INHERITED", "DACL_PROTECTED", "SACL_PROTECTED", "RM_CONTROL_VALID",
		"SELF_RELATIVE",
	};
	static const char *const singles[][2] = {
		{ "SY", "SYSTEM" },
		{ "BA", "Administrators" },
		{ "NS", "NETWORK SERVICE" },
	};
	static const char *const writer[] = { "NS", "SU", "AU", "WD", "BU", "S-1-5-15" };
	struct err err;
	struct token t;
	struct sid cryptsvc;
	uint8_t *bin = NULL;
	size_t binlen = 0, i;
	char *text = NULL, *hex;
	json_t *root, *ctl, *eff;
	int rc;

	err_init(&err);
	if (sddl_encode(sd, kind, &text, &err) < 0)
		return fail("%s", err.msg);
	if (secdesc_encode(sd, &bin, &binlen, &err) < 0) {
		free(text);
		return fail("%s", err.msg);
	}
	hex = malloc(binlen * 2 + 1);
	if (!hex) {
		free(text);
		free(bin);
		return fail("out of memory");
	}
	for (i = 0; i < binlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", bin[i]);
	hex[2 * binlen] = 0;
	ctl = json_array();
	for (i = 0; i < 16; i++)
		if (sd->control & (1u << i))
			json_array_append_new(ctl, json_string(cflags[i]));
	root = json_pack("{s:s, s:s, s:s, s:I, s:{s:I, s:o}}",
			 "kind", obj == ACCESS_SERVICE ? "service" : obj == ACCESS_FILE ? "file" : "directory",
			 "sddl", text, "hex", hex, "size", (json_int_t)binlen,
			 "control", "value", (json_int_t)sd->control, "flags", ctl);
	json_object_set_new(root, "owner", sd->has_owner ? sid_json(&sd->owner) : json_null());
	json_object_set_new(root, "group", sd->has_group ? sid_json(&sd->group) : json_null());
	json_object_set_new(root, "dacl", acl_json(sd, 1, obj, kind));
	json_object_set_new(root, "sacl", acl_json(sd, 0, obj, kind));
	eff = json_object();
	for (i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
		memset(&t, 0, sizeof(t));
		token_add(&t, singles[i][0], NULL);
		json_object_set_new(eff, singles[i][1], rights_json(access_effective(sd, &t, obj), obj));
	}
	memset(&t, 0, sizeof(t));
	for (i = 0; i < sizeof(writer) / sizeof(writer[0]); i++)
		token_add(&t, writer[i], NULL);
	if (svcsid_from_name("CryptSvc", &cryptsvc, &err) == 0)
		token_add_sid(&t, &cryptsvc, NULL);
	json_object_set_new(eff, "writer", rights_json(access_effective(sd, &t, obj), obj));
	json_object_set_new(root, "effective", eff);
	rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
	free(hex);
	free(text);
	free(bin);
	return rc < 0 ? fail("cannot write the report") : 0;
}

static int report_sddl(const struct secdesc *sd, enum sddl_rights kind)
{
	struct err err;
	char *text = NULL;

	err_init(&err);
	if (sddl_encode(sd, kind, &text, &err) < 0)
		return fail("%s", err.msg);
	printf("%s\n", text);
	free(text);
	return 0;
}

int cmd_sddl(int argc, char **argv)
{
	enum sddl_format format = SF_TEXT;
	const char *format_arg;
	enum access_object obj = ACCESS_SERVICE;
	const char *input = NULL, *kind_arg;
	struct secdesc sd;
	struct err err;
	uint8_t *bin = NULL;
	size_t binlen = 0, off = 0;
	int i, rc, status;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--kind") == 0 || strncmp(argv[i], "--kind=", 7) == 0) {
			if (argv[i][6] == '=')
				kind_arg = argv[i] + 7;
			else if (i + 1 < argc)
				kind_arg = argv[++i];
			else
				return fail("--kind needs service, file or directory");
			if (strcmp(kind_arg, "service") == 0)
				obj = ACCESS_SERVICE;
			else if (strcmp(kind_arg, "file") == 0)
				obj = ACCESS_FILE;
			else if (strcmp(kind_arg, "directory") == 0)
				obj = ACCESS_DIRECTORY;
			else
				return fail("unknown --kind '%s' (service, file or directory)", kind_arg);
		} else if (strcmp(argv[i], "--format") == 0 || strncmp(argv[i], "--format=", 9) == 0) {
			if (argv[i][8] == '=')
				format_arg = argv[i] + 9;
			else if (i + 1 < argc)
				format_arg = argv[++i];
			else
				return fail("--format needs text, json or sddl");
			if (strcmp(format_arg, "text") == 0)
				format = SF_TEXT;
			else if (strcmp(format_arg, "json") == 0)
				format = SF_JSON;
			else if (strcmp(format_arg, "sddl") == 0)
				format = SF_SDDL;
			else
				return fail("unknown --format '%s' (text, json or sddl)", format_arg);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("%s\n", USAGE);
			return 0;
		} else if (strcmp(argv[i], "--") == 0 && i + 1 < argc && !input) {
			input = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return fail("unknown option '%s'; %s", argv[i], USAGE);
		} else if (input) {
			return fail("more than one input; %s", USAGE);
		} else {
			input = argv[i];
		}
	}
	if (!input)
		return fail("no input; %s", USAGE);
	if (!input[strspn(input, " \t\r\n")])
		return fail("empty input; %s", USAGE);

	err_init(&err);
	memset(&sd, 0, sizeof(sd));
	if (input[0] == '@') {
		if ((status = read_file(input + 1, &bin, &binlen)) != 0)
			return status;
	} else {
		rc = parse_hex(input, &bin, &binlen);
		if (rc == 2)
			return 2;
	}
	if (bin) {
		if (secdesc_is_stub(bin, binlen)) {
			/* sddl: an empty line (no descriptor); json: "stub": true */
			if (format == SF_JSON)
				printf("{\n  \"stub\": true,\n  \"sddl\": null\n}\n");
			else if (format == SF_SDDL)
				printf("\n");
			else
				printf("no descriptor: the 5-byte stub 00 00 0e 00 01 (for a service: the SCM default applies)\n");
			free(bin);
			return 0;
		}
		rc = secdesc_parse(bin, binlen, &sd, &err);
		free(bin);
		if (rc < 0) {
			secdesc_release(&sd);
			return fail("%s", err.msg);
		}
	} else {
		rc = sddl_decode(input, &sd, &off, &err);
		if (rc < 0) {
			secdesc_release(&sd);
			return fail("%s", err.msg);
		}
	}
	{
		enum sddl_rights kind = obj == ACCESS_SERVICE ? SDDL_RIGHTS_SERVICE : SDDL_RIGHTS_FILE;

		status = format == SF_JSON ? report_json(&sd, obj, kind) :
			 format == SF_SDDL ? report_sddl(&sd, kind) : report(&sd, obj, kind);
	}
	secdesc_release(&sd);
	return status;
}

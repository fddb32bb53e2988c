/* Samba as an oracle for the descriptor codec (issue 17): every service
 * descriptor of the sample hives and a few thousand seeded random ones,
 * decoded to SDDL by us and by samba 4.17's libcli/security
 * (python3-samba, tests/samba_oracle.py), and our SDDL compiled to bytes
 * by us and by samba.  Samba cannot read conditional, resource attribute
 * or mandatory label ACEs (nor print a NULL DACL): those descriptors are
 * checked against Windows' own bytes instead, which we must give back
 * byte for byte.  Skipped, saying so, when python3-samba is absent. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"
#include "testutil.h"

#define RANDOM_COUNT 3000
#define RANDOM_SEED  0x5eed17u

struct entry {
	char id[320];
	uint8_t *bin;
	size_t len;
	int real;
};

struct set {
	struct entry *e;
	size_t n, cap;
};

static void set_add(struct set *s, const char *id, const uint8_t *b, size_t n, int real)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->e = realloc(s->e, s->cap * sizeof(*s->e));
		ck_assert_ptr_nonnull(s->e);
	}
	snprintf(s->e[s->n].id, sizeof(s->e[s->n].id), "%s", id);
	s->e[s->n].bin = malloc(n ? n : 1);
	memcpy(s->e[s->n].bin, b, n);
	s->e[s->n].len = n;
	s->e[s->n].real = real;
	s->n++;
}

static void set_free(struct set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->e[i].bin);
	free(s->e);
}

/* ---- the sample hives ------------------------------------------------------- */

struct collect {
	struct set *set;
	const char *tag;
};

static int collect_one(void *ctx, struct svc *sv)
{
	struct collect *c = ctx;
	char id[320];

	if (sv->sd_state != SVC_SD_PRESENT)
		return 0;
	snprintf(id, sizeof(id), "%s:%s", c->tag, sv->name);
	set_add(c->set, id, sv->sd, sv->sd_len, 1);
	return 0;
}

/* Every Services\*\Security of every control set of the SYSTEM samples. */
static int collect_samples(struct set *s)
{
	const char *dir = tu_env("VSSD_SAMPLES");
	char path[1024], cs[32], tag[64];
	struct dirent *de;
	struct collect c;
	struct err err;
	struct hkey *k;
	DIR *d;
	int files = 0, i;

	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/hives", dir);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "skip: oracle: %s is absent (../shared/samples not here)\n", path);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct hive *h = NULL;
		uint8_t *buf;
		size_t len;

		if (strncmp(de->d_name, "SYSTEM_", 7) != 0 || strstr(de->d_name, ".LOG"))
			continue;
		snprintf(path, sizeof(path), "%s/hives/%s", dir, de->d_name);
		buf = (uint8_t *)tu_read_file(path, &len);
		if (!buf)
			continue;
		err_init(&err);
		if (hive_open_memory(&h, "SYSTEM", buf, len, &err) < 0) {
			/* SYSTEM_corrupted: no hive to read */
			fprintf(stderr, "oracle: %s not read: %s\n", de->d_name, err.msg);
			continue;
		}
		files++;
		for (i = 1; i <= 9; i++) {
			snprintf(cs, sizeof(cs), "ControlSet%03d", i);
			if (hive_key(h, cs, &k, &err) != 1)
				continue;
			hkey_free(k);
			snprintf(tag, sizeof(tag), "%.40s:%.16s", de->d_name, cs);
			c.set = s;
			c.tag = tag;
			ck_assert_msg(svc_foreach(h, cs, collect_one, &c, NULL, &err) == 0, "%s", err.msg);
		}
		hive_free(h);
	}
	closedir(d);
	return files;
}

/* ---- random descriptors -------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void random_sid(struct sid *s)
{
	static const char *const pool[] = {
		"SY", "BA", "BU", "BG", "AU", "WD", "NS", "LS", "SU", "IU", "AN", "CO", "CG",
		"OW", "PU", "RD", "AC", "RU", "NU", "ED", "PS", "RC", "SO", "BO", "AO",
		"LW", "ME", "HI", "SI", "S-1-5-32-583", "S-1-15-2-2", "S-1-5-17", "S-1-3-4",
		"S-1-5-80-0",
	};
	char text[160];
	struct err err;

	err_init(&err);
	switch (rnd() % 5) {
	case 0:
		snprintf(text, sizeof(text), "S-1-5-21-%u-%u-%u-%u", rnd(), rnd(), rnd(), 500 + rnd() % 3000);
		break;
	case 1:
		snprintf(text, sizeof(text), "S-1-5-80-%u-%u-%u-%u-%u", rnd(), rnd(), rnd(), rnd(), rnd());
		break;
	case 2:
		snprintf(text, sizeof(text), "S-1-15-3-1024-%u-%u-%u", rnd(), rnd(), rnd());
		break;
	default:
		snprintf(text, sizeof(text), "%s", pool[rnd() % (sizeof(pool) / sizeof(pool[0]))]);
		break;
	}
	ck_assert_msg(sid_from_string(text, s, &err) == 0, "%s: %s", text, err.msg);
}

static uint32_t random_mask(void)
{
	static const uint32_t common[] = {
		0x1f01ff, 0x120089, 0x1200a9, 0x120116, 0x1200a0, 0xf01ff, 0x2018d, 0x201fd,
		0xf003f, 0x20019, 0x20006, 0x10000000, 0xa0000000, 0x1, 0x14, 0x100000,
	};
	uint32_t m = 0;

	switch (rnd() % 4) {
	case 0:
		return rnd() ^ (rnd() << 16);
	case 1:
		return common[rnd() % (sizeof(common) / sizeof(common[0]))];
	default:
		/* lettered bits only */
		m = rnd() & 0x1ff;
		m |= (rnd() & 0xf) << 16;
		m |= (rnd() & 0xf) << 28;
		return m;
	}
}

static void random_acl(struct acl *acl, int sacl)
{
	static const uint8_t dtypes[] = { ACE_ACCESS_ALLOWED, ACE_ACCESS_DENIED,
					  ACE_ACCESS_ALLOWED_OBJECT, ACE_ACCESS_DENIED_OBJECT };
	static const uint8_t stypes[] = { ACE_SYSTEM_AUDIT, ACE_SYSTEM_ALARM,
					  ACE_SYSTEM_AUDIT_OBJECT, ACE_SYSTEM_ALARM_OBJECT };
	unsigned n = rnd() % (sacl ? 5 : 11), i, k;
	struct ace a;

	acl->revision = 2;
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.type = sacl ? stypes[rnd() % 4] : dtypes[rnd() % 4];
		a.flags = (uint8_t)(rnd() & (sacl ? 0xdf : 0x1f));
		a.mask = random_mask();
		random_sid(&a.sid);
		if (ace_type_is_object(a.type)) {
			a.object_flags = rnd() % 4;
			for (k = 0; k < 16; k++) {
				a.object_type[k] = (uint8_t)rnd();
				a.inherited_object_type[k] = (uint8_t)rnd();
			}
			acl->revision = 4;   /* Windows: ACL_REVISION_DS with object ACEs */
		}
		ck_assert_int_eq(acl_append(acl, &a, NULL), 0);
	}
}

static void random_descriptor(uint8_t **bin, size_t *len)
{
	struct secdesc sd;

	memset(&sd, 0, sizeof(sd));
	sd.control = SE_SELF_RELATIVE;
	if (rnd() % 100 < 85) {
		sd.has_owner = 1;
		random_sid(&sd.owner);
	}
	if (rnd() % 100 < 85) {
		sd.has_group = 1;
		random_sid(&sd.group);
	}
	if (rnd() % 100 < 90) {
		sd.has_dacl = 1;
		sd.control |= SE_DACL_PRESENT;
		sd.control |= (uint16_t)(rnd() & (SE_DACL_PROTECTED | SE_DACL_AUTO_INHERIT_REQ |
						  SE_DACL_AUTO_INHERITED));
		random_acl(&sd.dacl, 0);
	}
	if (rnd() % 100 < 35) {
		sd.has_sacl = 1;
		sd.control |= SE_SACL_PRESENT;
		sd.control |= (uint16_t)(rnd() & (SE_SACL_PROTECTED | SE_SACL_AUTO_INHERIT_REQ |
						  SE_SACL_AUTO_INHERITED));
		random_acl(&sd.sacl, 1);
	}
	ck_assert_int_eq(secdesc_encode(&sd, bin, len, NULL), 0);
	secdesc_release(&sd);
}

/* ---- running the oracle ---------------------------------------------------- */

/* 1 for descriptors samba 4.17 cannot handle: conditional, label,
 * attribute, policy, trust and filter ACEs, NULL ACLs. */
static int samba_cannot(const struct secdesc *sd)
{
	const struct acl *acls[2] = { &sd->dacl, &sd->sacl };
	unsigned i, k;

	if (((sd->control & SE_DACL_PRESENT) && !sd->has_dacl) ||
	    ((sd->control & SE_SACL_PRESENT) && !sd->has_sacl))
		return 1;
	for (k = 0; k < 2; k++)
		for (i = 0; i < acls[k]->count; i++)
			if (acls[k]->aces[i].type >= ACE_ACCESS_ALLOWED_CALLBACK)
				return 1;
	return 0;
}

static void put_hex(FILE *f, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

struct tally {
	unsigned total, exact, text_stable, ours_only, sent, ok, diff_sddl, diff_bytes,
		 errors, alias;
	/* bytes SDDL cannot carry, why the round trip is not byte for byte */
	unsigned layout, revision, appdata, control;
	unsigned ours_only_exact;   /* of ours_only: Windows' bytes given back */
	char first_diff[1024];
};

#define SDDL_CONTROL (SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_SACL_PRESENT | \
		      SE_DACL_PROTECTED | SE_SACL_PROTECTED | SE_DACL_AUTO_INHERIT_REQ | \
		      SE_SACL_AUTO_INHERIT_REQ | SE_DACL_AUTO_INHERITED | SE_SACL_AUTO_INHERITED)

/* What SDDL carries of sd: the control bits it names, ACL revisions as
 * Windows' compiler sets them (4 with object ACEs, else 2), application
 * data only as conditions and resource attributes.  Adds to t why sd
 * differs from that. */
static void sddl_view(struct secdesc *sd, struct tally *t)
{
	struct acl *acls[2] = { &sd->dacl, &sd->sacl };
	unsigned i, k, obj;
	int rev = 0, data = 0;

	if ((sd->control & ~SDDL_CONTROL) || sd->sbz1)
		t->control++;
	sd->control &= SDDL_CONTROL;
	sd->sbz1 = 0;
	for (k = 0; k < 2; k++) {
		for (i = obj = 0; i < acls[k]->count; i++)
			obj |= ace_type_is_object(acls[k]->aces[i].type);
		if (acls[k]->count && acls[k]->revision != (obj ? 4 : 2))
			rev = 1;
		acls[k]->revision = obj ? 4 : 2;
		for (i = 0; i < acls[k]->count; i++) {
			struct ace *a = &acls[k]->aces[i];

			if (a->appdata_len && !sddl_ace_is_callback(a->type) &&
			    a->type != ACE_SYSTEM_RESOURCE_ATTRIBUTE) {
				free(a->appdata);
				a->appdata = NULL;
				a->appdata_len = 0;
				data = 1;
			}
		}
	}
	t->revision += rev;
	t->appdata += data;
}

/* Our side for every entry; the ones samba can read go to f. */
static void our_side(const struct set *s, FILE *f, struct tally *t, int real)
{
	size_t i, off, len2, len1;
	uint8_t *bin2, *bin1;
	struct secdesc sd, sd2;
	struct err err;
	char *text, *text2;

	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];

		if (e->real != real)
			continue;
		t->total++;
		err_init(&err);
		ck_assert_msg(secdesc_parse(e->bin, e->len, &sd, &err) == 0, "%s: %s", e->id, err.msg);
		ck_assert_msg(sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &text, &err) == 0, "%s: %s", e->id, err.msg);
		ck_assert_msg(sddl_decode(text, &sd2, &off, &err) == 0, "%s: '%s': %s", e->id, text, err.msg);
		ck_assert_int_eq(secdesc_encode(&sd2, &bin2, &len2, &err), 0);
		ck_assert_int_eq(sddl_encode(&sd2, SDDL_RIGHTS_SERVICE, &text2, &err), 0);
		if (len2 == e->len && memcmp(bin2, e->bin, len2) == 0) {
			t->exact++;
		} else {
			/* then the bytes hold what SDDL cannot carry, and
			 * nothing else differs */
			ck_assert_int_eq(secdesc_encode(&sd, &bin1, &len1, &err), 0);
			if (len1 != e->len || memcmp(bin1, e->bin, len1))
				t->layout++;   /* ACL slack, another order */
			free(bin1);
			sddl_view(&sd, t);
			ck_assert_msg(secdesc_equal(&sd, &sd2), "%s: '%s' differs from the bytes", e->id, text);
		}
		if (strcmp(text, text2) == 0)
			t->text_stable++;
		if (samba_cannot(&sd)) {
			t->ours_only++;
			if (len2 == e->len && memcmp(bin2, e->bin, len2) == 0)
				t->ours_only_exact++;
		} else {
			fprintf(f, "%s\t", e->id);
			put_hex(f, e->bin, e->len);
			fprintf(f, "\t%s\t", text);
			put_hex(f, bin2, len2);
			fputc('\n', f);
			t->sent++;
		}
		free(text);
		free(text2);
		free(bin2);
		secdesc_release(&sd);
		secdesc_release(&sd2);
	}
}

static void read_results(const char *out, const struct set *s, struct tally *real,
			 struct tally *random)
{
	const char *line = out, *nl;
	char id[320], verdict[16];
	size_t i;

	for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
		struct tally *t = NULL;
		int n = 0;

		nl = strchr(line, '\n');
		if (sscanf(line, "%319[^\t]\t%15[^\t\n]%n", id, verdict, &n) != 2)
			continue;
		for (i = 0; i < s->n && !t; i++)
			if (strcmp(s->e[i].id, id) == 0)
				t = s->e[i].real ? real : random;
		ck_assert_msg(t != NULL, "oracle answered for unknown id '%s'", id);
		if (strcmp(verdict, "OK") == 0) {
			t->ok++;
			continue;
		}
		if (strcmp(verdict, "ALIAS") == 0)
			t->alias++;
		else if (strcmp(verdict, "DIFF-SDDL") == 0)
			t->diff_sddl++;
		else if (strcmp(verdict, "DIFF-BYTES") == 0)
			t->diff_bytes++;
		else
			t->errors++;
		if (!t->first_diff[0] && strcmp(verdict, "ALIAS") != 0)
			snprintf(t->first_diff, sizeof(t->first_diff), "%.*s",
				 (int)(nl ? (size_t)(nl - line) : strlen(line)), line);
	}
}

static void report(const char *what, const struct tally *t)
{
	fprintf(stderr, "oracle: %s: %u descriptors; bytes -> SDDL -> bytes identical: %u "
		"(the others hold what SDDL cannot carry: ACL slack or another layout %u, "
		"ACL revision 4 without object ACEs %u, data after a SID %u, other control bits %u), "
		"text stable: %u; compared with samba: %u, agree: %u (SDDL differs: %u, bytes differ: %u, "
		"samba errors: %u, alias spelling only: %u); with ACEs samba cannot read (checked "
		"against Windows' bytes): %u\n",
		what, t->total, t->exact, t->layout, t->revision, t->appdata, t->control,
		t->text_stable, t->sent, t->ok, t->diff_sddl, t->diff_bytes, t->errors, t->alias,
		t->ours_only);
}

START_TEST(test_oracle)
{
	struct set s = { NULL, 0, 0 };
	struct tally real, random;
	struct tu_run r;
	char *dir = tu_tmpdir("oracle"), *input = NULL, *script = NULL, id[32];
	char *argv[6], sh[] = "/bin/sh", dash_c[] = "-c";
	static char cmd[] = "for p in python3 /usr/bin/python3; do "
			    "if \"$p\" -c 'import samba.dcerpc.security, samba.ndr' 2>/dev/null; then "
			    "exec \"$p\" \"$0\" \"$1\"; fi; done; echo 'no python3 with samba' >&2; exit 77";
	uint8_t *bin;
	size_t len, i;
	FILE *f;
	int files;

	memset(&real, 0, sizeof(real));
	memset(&random, 0, sizeof(random));
	/* is samba there? */
	ck_assert_int_ge(asprintf(&script, "%s/tests/samba_oracle.py", tu_env("VSSD_SRC")), 0);
	argv[0] = sh;
	argv[1] = dash_c;
	argv[2] = cmd;
	argv[3] = script;
	ck_assert_int_ge(asprintf(&input, "%s/descriptors.tsv", dir), 0);
	argv[4] = input;
	argv[5] = NULL;

	files = collect_samples(&s);
	rng = RANDOM_SEED;
	for (i = 0; i < RANDOM_COUNT; i++) {
		random_descriptor(&bin, &len);
		snprintf(id, sizeof(id), "random:%zu", i);
		set_add(&s, id, bin, len, 0);
		free(bin);
	}
	f = fopen(input, "w");
	ck_assert_ptr_nonnull(f);
	our_side(&s, f, &real, 1);
	our_side(&s, f, &random, 0);
	fclose(f);
	/* our own round trip holds for every one of them, samba or not
	 * (real bytes: up to what SDDL can carry, checked above) */
	ck_assert_uint_gt(real.exact, real.total * 9 / 10);
	ck_assert_uint_eq(real.text_stable, real.total);
	ck_assert_uint_eq(random.exact, random.total);
	ck_assert_uint_eq(random.text_stable, random.total);
	/* conditional ACEs (lfsvc, SEMgrSvc): Windows' bytes come back */
	ck_assert_uint_eq(real.ours_only_exact, real.ours_only);

	ck_assert_int_eq(tu_run(argv, 600, &r), 0);
	if (r.status == 77) {
		fprintf(stderr, "skip: oracle: python3-samba is absent (scripts/deps.sh installs it)\n");
		tu_run_free(&r);
		goto out;
	}
	ck_assert_msg(r.status == 0, "oracle exit %d: %s", r.status, r.err);
	read_results(r.out, &s, &real, &random);
	tu_run_free(&r);
	report("real (sample hives)", &real);
	report("random", &random);
	if (files)
		ck_assert_uint_gt(real.total, 0);
	ck_assert_msg(real.ok == real.sent, "real: %u of %u agree; first: %s", real.ok, real.sent,
		      real.first_diff);
	ck_assert_msg(random.ok == random.sent, "random: %u of %u agree; first: %s", random.ok,
		      random.sent, random.first_diff);
out:
	set_free(&s);
	free(script);
	free(input);
	free(dir);
}
END_TEST

Suite *oracle_suite(void);
Suite *oracle_suite(void)
{
	Suite *s = suite_create("oracle");
	TCase *tc = tcase_create("samba");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, test_oracle);
	suite_add_tcase(s, tc);
	return s;
}

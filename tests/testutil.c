#define _GNU_SOURCE
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *tu_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		fprintf(stderr, "testutil: %s is not set (run the tests through make check)\n", name);
		abort();
	}
	return v;
}

char *tu_tmpdir(const char *tag)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s.%d", tu_env("VSSD_TMP"), tag, (int)getpid()) < 0)
		abort();
	tu_sh("rm -rf '%s' && mkdir -p '%s'", p, p);
	return p;
}

char *tu_sample(const char *rel)
{
	const char *dir = getenv("VSSD_SAMPLES");
	char *p = NULL;
	struct stat st;

	if (!dir || !*dir || asprintf(&p, "%s/%s", dir, rel) < 0)
		return NULL;
	if (stat(p, &st) < 0) {
		fprintf(stderr, "skip: sample %s is absent (../shared/samples not here)\n", rel);
		free(p);
		return NULL;
	}
	return p;
}

static void drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return;
	if (*len + (size_t)n + 1 > *cap) {
		*cap = (*len + (size_t)n + 1) * 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
}

int tu_run(char *const argv[], int timeout_s, struct tu_run *r)
{
	int po[2], pe[2], st = 0;
	size_t ocap = 1, ecap = 1;
	pid_t pid;
	time_t end = time(NULL) + timeout_s;
	int open_o = 1, open_e = 1;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	if (pipe(po) < 0 || pipe(pe) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	while (open_o || open_e) {
		struct pollfd fds[2] = { { open_o ? po[0] : -1, POLLIN, 0 },
					 { open_e ? pe[0] : -1, POLLIN, 0 } };
		int left = (int)(end - time(NULL));

		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(fds, 2, left * 1000) <= 0)
			continue;
		if (open_o && (fds[0].revents & (POLLIN | POLLHUP))) {
			size_t before = r->out_len;
			drain(po[0], &r->out, &r->out_len, &ocap);
			if (r->out_len == before)
				open_o = 0;
		}
		if (open_e && (fds[1].revents & (POLLIN | POLLHUP))) {
			size_t before = r->err_len;
			drain(pe[0], &r->err, &r->err_len, &ecap);
			if (r->err_len == before)
				open_e = 0;
		}
	}
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->status = 128 + WTERMSIG(st);
	return 0;
}

void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

int tu_vssdoctor(struct tu_run *r, const char *arg, ...)
{
	char *argv[64];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)tu_env("VSSD_BIN");
	va_start(ap, arg);
	for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return tu_run(argv, 300, r);
}

size_t tu_unhex(const char *h, uint8_t *out, size_t size)
{
	size_t n = 0;
	unsigned v;

	while (h[0] && h[1] && n < size) {
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

char *tu_hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

void tu_assert_refused(const struct tu_bad *v, int rc, const char *msg)
{
	ck_assert_int_eq(rc, v->code);
	ck_assert_msg(strstr(msg, v->msg), "'%s': message '%s' lacks '%s'", v->in, msg, v->msg);
}

int tu_sha256_file(const char *path, char hex[65])
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE], buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;
	int i;

	if (!f)
		return -1;
	sha256_init(&ctx);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(&ctx, n, buf);
	fclose(f);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return 0;
}

int tu_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			b = realloc(b, cap);
			if (!b)
				abort();
		}
		got = fread(b + n, 1, 65536, f);
		n += got;
	} while (got > 0);
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

char *tu_which(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *full = NULL;

	if (!path)
		return NULL;
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&full, "%s/%s", dir, prog) < 0)
			break;
		if (access(full, X_OK) == 0)
			break;
		free(full);
		full = NULL;
	}
	free(copy);
	return full;
}

int tu_sh(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	st = system(cmd);
	free(cmd);
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Each container and partition table a recovery engineer receives, made
 * from a bare volume: `sh -c MAKE sh VOLUME STEM TOOLS`, the image is
 * STEM + ext (a raw disk STEM.raw may be left beside it). */
const struct tu_format tu_formats[] = {
	{ "mbr", "\"$3/mkdisk\" --mbr --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "mbr-logical", "\"$3/mkdisk\" --mbr --before-mib 100 --before-mib 8 --logical --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "gpt-p3", "\"$3/mkdisk\" --gpt --before-mib 100 --before-mib 16 --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "gpt-4k", "\"$3/mkdisk\" --gpt --sector-size 4096 --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "vhd-dynamic", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on \"$2.raw\" \"$2.vhd\"", ".vhd" },
	{ "vhd-fixed", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vpc -o subformat=fixed,force_size=on \"$2.raw\" \"$2.vhd\"", ".vhd" },
	{ "vhd-differencing", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on \"$2.raw\" \"$2-parent.vhd\" && "
	  "\"$3/mkdisk\" --vhd-diff \"$2-parent.vhd\" --parent-name \"$(basename \"$2\")-parent.vhd\" --out \"$2.vhd\" >/dev/null", ".vhd" },
	{ "vhdx-dynamic", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vhdx -o subformat=dynamic \"$2.raw\" \"$2.vhdx\"", ".vhdx" },
	{ "vhdx-fixed", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vhdx -o subformat=fixed \"$2.raw\" \"$2.vhdx\"", ".vhdx" },
	{ "e01", "\"$3/mkdisk\" --mbr --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "ewfacquire -u -q -t \"$2\" -f encase6 -c none -S 1GiB \"$2.raw\" >/dev/null 2>&1", ".E01" },
	{ "e01-split", "\"$3/mkdisk\" --mbr --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "ewfacquire -u -q -t \"$2\" -f encase6 -c none -S 40MiB \"$2.raw\" >/dev/null 2>&1 && test -f \"$2.E02\"", ".E01" },
	{ "vmdk", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vmdk \"$2.raw\" \"$2.vmdk\"", ".vmdk" },
	{ "vmdk-split", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vmdk -o subformat=twoGbMaxExtentSparse \"$2.raw\" \"$2.vmdk\"", ".vmdk" },
	{ "qcow2", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O qcow2 \"$2.raw\" \"$2.qcow2\"", ".qcow2" },
};
const size_t tu_nformats = sizeof(tu_formats) / sizeof(tu_formats[0]);

const struct tu_format *tu_format_named(const char *name)
{
	size_t i;

	for (i = 0; i < tu_nformats; i++)
		if (strcmp(tu_formats[i].name, name) == 0)
			return &tu_formats[i];
	return NULL;
}

char *tu_wrap(const struct tu_format *f, const char *vol, const char *stem)
{
	char *img = NULL;

	if (tu_sh("sh -c '%s' sh '%s' '%s' '%s'", f->make, vol, stem, tu_env("VSSD_TOOLS")) != 0)
		return NULL;
	if (asprintf(&img, "%s%s", stem, f->ext) < 0)
		return NULL;
	return img;
}

/* ---- the end-to-end scenarios (testutil.h: struct tu_scenario) ---- */

#define SVC "ControlSet001\\Services\\"
#define CAPI2_513 "provider=Microsoft-Windows-CAPI2 id=513"
#define SCM_EV "provider=\"Service Control Manager\""
#define CRYPT_RUNNING "\"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n"
#define EVSYS_DENIED "\"data=param1:COM+ Event System\" data=param2:%%1058 binary_utf16=EventSystem\n"
#define D_CORE_DENIED "Details:\\r\\nAddCoreCsiFiles: BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n"
#define D_JUNCTION "Details:\\r\\nAddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\\r\\n\\r\\nSystem Error:\\r\\nUnknown error (0xc0000039)\\r\\n"
#define D_MSLLDP "Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n"
#define D_NOT_FOUND "Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary COM+ Event System.\\r\\n\\r\\nSystem Error:\\r\\nThe system cannot find the file specified.\\r\\n"
#define VSS_TIMEOUT "event application provider=VSS id=12289 time=2024-06-01T10:00:00Z \"text=Volume Shadow Copy " \
	"Service error: Unexpected error calling routine. hr = 0x800423f2, The writer's timeout expired between the " \
	"Freeze and Thaw events.\"\n"
#define WSB_IMAGEPATH "wsblog SystemStateBackup_Error-06-06-2024_10-00-00.log Backup started\\r\\n" \
	"Error in backup of C:\\\\windows\\\\\\\\systemroot\\\\ during enumerate: Error [0x8007007b] The filename, " \
	"directory name, or volume label syntax is incorrect.\\r\\n\n"
#define WSB_WINSXS "wsblog Backup_Error-05-06-2024_10-00-00.log Error in backup of " \
	"C:\\\\Windows\\\\WinSxS\\\\Temp\\\\PendingRenames during read: Error [0x80070005] Access is denied.\\r\\n\n"
/* the logs a healthy server has: a boot, CryptSvc running, VSS idle, a
 * successful backup */
#define HEALTHY_LOGS \
	"event system provider=EventLog id=6005 time=2024-06-01T08:00:00Z\n" \
	"event system provider=Service\\ Control\\ Manager id=7036 time=2024-06-01T08:00:10Z " CRYPT_RUNNING \
	"event application provider=VSS id=8224 time=2024-06-01T09:00:00Z text=idle\n" \
	"event application provider=Microsoft-Windows-Backup id=4 time=2024-06-01T10:00:00Z " \
	"data=BackupTime:2024-06-01T09:59:00Z\n" \
	"wsblog Backup-01-06-2024_09-59-00.log Backup of volume C: succeeded.\\r\\n\n"
#define CAUSE4_EVENT "event application provider=VSS id=8193 time=2024-06-01T09:00:00Z " \
	"\"text=Volume Shadow Copy Service error: Unexpected error calling routine. hr = 0x80070018, " \
	"The XML document is too long.\"\n"
/* services whose binaries are on D: (partition 1 of a two-volume disk) and
 * on E: (not in the image) */
#define APP_SERVICES \
	"reg system expand_sz " SVC "AppSvc ImagePath \"D:\\Apps\\svc.exe\" -service\n" \
	"reg system dword " SVC "AppSvc Type 16\n" \
	"reg system dword " SVC "AppSvc Start 2\n" \
	"reg system expand_sz " SVC "OffSvc ImagePath E:\\Tools\\off.exe\n" \
	"reg system dword " SVC "OffSvc Type 16\n" \
	"reg system dword " SVC "OffSvc Start 3\n"
#define DATA_VOLUME "size 8M\nlabel Data\nfile Apps\\svc.exe MZ\n"
#define NO_SYSTEMROOT "reg software delete \"Microsoft\\Windows NT\\CurrentVersion\" SystemRoot\n"

const struct tu_scenario tu_scenarios[] = {
	/* each cause, and what stands for it or hides it */
	{ "cause1/broken", "break cause1\n", NULL, NULL },
	{ "cause1/no-pendingrenames", "pendingrenames absent\n", NULL, NULL },
	{ "cause1/filemaps-deny", "filemaps_files 2000\nfilemaps_deny 1234\n", NULL, NULL },
	{ "cause1/junction", "junction \"Program Files\" D:\\Program Files\n", NULL, NULL },
	{ "causes23/cause2", "os 2016\nbreak cause2\n", NULL, NULL },
	{ "causes23/cause3", "os 2012r2\nbreak cause3\n", NULL, NULL },
	{ "causes23/rpcss-disabled", "os 2016\nreg system dword " SVC "RpcSs Start 4\n", NULL, NULL },
	{ "causes23/dependency-missing", "os 2016\nreg system multi_sz " SVC "VSS DependOnService RPCSS|NoSuchSvc\n",
	  NULL, NULL },
	{ "causes23/dependency-cycle", "os 2016\nreg system multi_sz " SVC "RpcSs DependOnService CryptSvc\n",
	  NULL, NULL },
	{ "causes23/binary", "os 2016\nbreak binary\n", NULL, NULL },
	{ "causes23/no-servicedll", "os 2016\nreg system delete " SVC "swprv\\Parameters ServiceDll\n", NULL, NULL },
	{ "causes23/mslldp", "os 2016\nbreak mslldp\n", NULL, NULL },
	{ "causes23/vssacl", "os 2016\nbreak vssacl\n", NULL, NULL },
	{ "causes23/2003", "os 2003\n", NULL, NULL },
	{ "causes23/system-not-a-hive", "os 2016\nvol file Windows\\System32\\config\\SYSTEM this is not a hive\n",
	  NULL, NULL },
	{ "causes23/software-not-a-hive", "os 2016\nvol file Windows\\System32\\config\\SOFTWARE x\n", NULL, NULL },
	/* dirty hives: the change only in the log, new and old formats, a bad log */
	{ "causes23/dirty-new", "os 2016\nlog system new\n"
	  "reg system sddl " SVC "CryptSvc\\Security Security D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)\n", NULL, NULL },
	{ "causes23/dirty-old", "os 2008r2\nlog system old\nreg system dword " SVC "CryptSvc Start 4\n", NULL, NULL },
	{ "causes23/dirty-corrupt", "os 2016\nlog system new corrupt 0\nreg system dword " SVC "CryptSvc Start 4\n",
	  NULL, NULL },
	{ "cause4/broken", "size 40M\nbreak cause4\naspnet_folders 1200\n", NULL, NULL },
	{ "cause4/threshold", "size 40M\nbreak cause4\naspnet_folders 1000\n", NULL, NULL },
	{ "cause4/webconfig",
	  "webconfig v2.0.50727 <?xml version=\"1.0\"?>\\n<configuration>\\n <system.web>\\n"
	  "  <compilation debug=\"false\" tempDirectory=\"c:\\\\ASPTEMP\" />\\n </system.web>\\n</configuration>\\n\n"
	  "folders ASPTEMP 2\n"
	  "webconfig v4.0.30319 <configuration><system.web><compilation tempDirectory=\"C:\\\\nowhere\"/></system.web></configuration>\n"
	  "webconfig Framework64\\v4.0.30319 <configuration><system.web><compilation tempDirectory=\"D:\\\\asp\"/></system.web></configuration>\n",
	  NULL, NULL },
	{ "cause4/junctions", "size 32M\nfolders Big 1500\n"
	  "junction \"Windows\\Microsoft.NET\\Framework\\v2.0.50727\\Temporary ASP.NET Files\\link\" C:\\Big\n"
	  "junction \"Windows\\Microsoft.NET\\Framework\\v4.0.30319\\loop\" C:\\Windows\\Microsoft.NET\\Framework\n",
	  NULL, NULL },
	/* issue 18's findings: each alone on a server with healthy logs, a
	 * healthy server, all of them with the four causes */
	{ "findings/writer-timeout", "os 2012r2\n" HEALTHY_LOGS VSS_TIMEOUT, NULL, NULL },
	{ "findings/diagacl", "os 2012r2\n" HEALTHY_LOGS "break diagacl\n", NULL, NULL },
	{ "findings/comsec", "os 2012r2\n" HEALTHY_LOGS "break comsec\n", NULL, NULL },
	{ "findings/imagepath", "os 2012r2\n" HEALTHY_LOGS "break imagepath\n", NULL, NULL },
	/* a kernel-style prefix on a path with forward slashes: repair
	 * resolves it as the scan does (\??\C:\ on the Windows volume) */
	{ "findings/imagepath-prefixed", "os 2012r2\n" HEALTHY_LOGS "break imagepath\n"
	  "reg system expand_sz " SVC "FooAgent ImagePath \\??\\C:/Windows/System32/svchost.exe -k netsvcs\n",
	  NULL, NULL },
	{ "findings/profile-junction", "os 2012r2\n" HEALTHY_LOGS "junction Users D:\\Users\n", NULL, NULL },
	{ "findings/wsb-log", "os 2012r2\n" HEALTHY_LOGS WSB_WINSXS, NULL, NULL },
	{ "findings/healthy-2008r2", "os 2008r2\nservices 60\n" HEALTHY_LOGS, NULL, NULL },
	{ "findings/healthy-2012r2", "os 2012r2\nservices 60\n" HEALTHY_LOGS, NULL, NULL },
	{ "findings/healthy-2016", "os 2016\nservices 60\n" HEALTHY_LOGS, NULL, NULL },
	{ "findings/healthy-2022", "os 2022\nservices 60\n" HEALTHY_LOGS, NULL, NULL },
	{ "findings/together", "os 2008r2\nbreak cause1 cause2 cause3 cause4\n" HEALTHY_LOGS VSS_TIMEOUT
	  "break diagacl comsec imagepath\njunction Users D:\\Users\n" WSB_WINSXS WSB_IMAGEPATH, NULL, NULL },
	{ "findings/diag-event", "os 2008r2\n"
	  "event application provider=VSS id=8193 time=2024-06-01T10:00:00Z \"text=Volume Shadow Copy Service error: "
	  "Unexpected error calling routine RegOpenKeyExW(-2147483646,SYSTEM\\\\CurrentControlSet\\\\Services\\\\VSS\\\\Diag,...). "
	  "hr = 0x80070005, Access is denied.\"\n"
	  "event application provider=VSS id=8193 time=2024-06-01T11:00:00Z \"text=Volume Shadow Copy Service error: "
	  "Unexpected error calling routine CoCreateInstance. hr = 0x80070005, Access is denied.\"\n", NULL, NULL },
	{ "findings/imagepath-event", "os 2008r2\n"
	  "event application " CAPI2_513 " time=2024-06-01T10:00:00Z \"text=Details:\\r\\n"
	  "AddLegacyDriverFiles: Unable to back up image of binary Foo Backup Agent.\\r\\n\\r\\nSystem Error:\\r\\n"
	  "The filename, directory name, or volume label syntax is incorrect.\\r\\n\"\n", NULL, NULL },
	{ "findings/profile-junction-event", "os 2008r2\n"
	  "event application " CAPI2_513 " time=2024-06-01T10:00:00Z \"text=Details:\\r\\n"
	  "AddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\\r\\n\\r\\nSystem Error:\\r\\n"
	  "0xC0000039 (unresolvable).\\r\\n\"\n", NULL, NULL },
	/* the junction's target volume: a partition of this disk (MBR, GPT) */
	{ "findings/profile-junction-mbr", "os 2016\njunction Users D:\\Users\n"
	  "reg system hex MountedDevices \\DosDevices\\D: 78563412 0000100000000000\n", "--mbr --before-mib 100", NULL },
	{ "findings/profile-junction-gpt", "os 2016\njunction Users D:\\Users\n"
	  "reg system hex MountedDevices \\DosDevices\\D: 444d494f3a49443a 44535356 0000 0040 8000000000000001\n",
	  "--gpt --before-mib 100 --before-mib 16", NULL },
	{ "findings/wsb-winnt", "os 2008r2\nwindir WINNT\n" WSB_WINSXS, NULL, NULL },
	/* the Windows folder: WINNT, SystemRoot from SOFTWARE, BCD or the folder */
	{ "windir/winnt", "windir WINNT\nsize 24M\nos 2012r2\nbreak cause1 cause3 diagacl comsec imagepath\n"
	  CAUSE4_EVENT, NULL, NULL },
	{ "windir/system-copy", "size 24M\nwindir WINNT\nbreak cause1\n"
	  "vol file Windows\\System32\\config\\SYSTEM not a hive\n", NULL, NULL },
	{ "windir/systemroot-other", "size 24M\nwindir WINNT\nbreak cause1\n"
	  "reg software sz \"Microsoft\\Windows NT\\CurrentVersion\" SystemRoot C:\\Windows\n", NULL, NULL },
	{ "windir/bcd", "size 24M\nwindir WINNT\nbreak cause1 diagacl\n" NO_SYSTEMROOT "bcd \\Windows \\WINNT\n",
	  NULL, NULL },
	{ "windir/no-bcd", "size 24M\nwindir WINNT\nbreak cause1 diagacl\n" NO_SYSTEMROOT, NULL, NULL },
	/* drive letters: MountedDevices against the disk's partitions */
	{ "windir/two-volumes-mbr", "size 24M\nbreak cause1\n"
	  "letter C: mbr 5EC0DE01 9437184\nletter D: mbr 5EC0DE01 1048576\nletter E: device\n" APP_SERVICES,
	  "--mbr --mbr-signature 5EC0DE01", DATA_VOLUME },
	{ "windir/two-volumes-gpt", "size 24M\nwindir WINNT\nbreak cause1\n"
	  "letter C: gpt 56535344-0000-4000-8000-000000000002\n"
	  "letter D: gpt 56535344-0000-4000-8000-000000000001\n"
	  "letter E: mbr 0badd15c 1048576\n" APP_SERVICES
	  "reg system expand_sz " SVC "GoneSvc ImagePath D:\\Apps\\gone.exe\n"
	  "reg system dword " SVC "GoneSvc Type 16\n", "--gpt", DATA_VOLUME },
	{ "windir/bare-volume", "size 24M\nletter C: mbr 5EC0DE01 1048576\nletter D: mbr 5EC0DE01 99614720\n"
	  APP_SERVICES, "bare", NULL },
	/* the logs: CAPI2, VSS, Backup and SCM events, a dirty log */
	{ "events/classify", "os 2016\n"
	  "evtx application dirty 1\n"
	  "event application " CAPI2_513 " time=2024-06-01T10:00:00Z \"text=" D_CORE_DENIED "\"\n"
	  "event application " CAPI2_513 " time=2024-06-01T10:01:00Z \"text=" D_MSLLDP "\"\n"
	  "event application " CAPI2_513 " time=2024-06-01T10:02:00Z \"text=" D_JUNCTION "\"\n"
	  "event application " CAPI2_513 " time=2024-06-02T10:01:00Z \"text=" D_MSLLDP "\"\n"
	  "event application " CAPI2_513 " time=2024-06-02T10:02:00Z \"text=" D_NOT_FOUND "\"\n"
	  "event application provider=VSS id=8193 time=2024-06-02T11:00:00Z \"text=XML document is too long\" "
	  "\"text=0x80070018, The data is invalid.\" text=\n"
	  "event application provider=Microsoft-Windows-Backup id=517 time=2024-06-02T12:00:00Z "
	  "data=BackupTime:2024-06-02T11:59:00Z data=ErrorCode:0x80780102 "
	  "\"data=ErrorMessage:System writer is not found in the backup.\"\n"
	  "event system provider=EventLog id=6005 time=2024-06-01T08:00:00Z\n"
	  "event system " SCM_EV " id=7036 time=2024-06-01T08:00:10Z " CRYPT_RUNNING, NULL, NULL },
	{ "events/scm-failure",
	  "event system provider=EventLog id=6005 time=2024-06-01T08:00:00Z\n"
	  "event system provider=Microsoft-Windows-Kernel-General id=12 time=2024-06-01T08:00:00Z\n"
	  "event system " SCM_EV " id=7036 time=2024-06-01T08:00:10Z " CRYPT_RUNNING
	  "event system " SCM_EV " id=7000 time=2024-06-01T08:00:20Z " EVSYS_DENIED, NULL, NULL },
	{ "events/none", "break cause3\n", NULL, NULL },
	/* a healthy server with no logs; everything at once (the reports'
	 * fixtures) */
	{ "reports/healthy", "os 2008r2\n", NULL, NULL },
	{ "reports/all", "os 2016\n"
	  "break cause1 cause2 cause3 cause4 mslldp binary vssacl diagacl comsec imagepath\n"
	  "aspnet_folders 1100\n"
	  "junction Users D:\\Users\n"
	  "filemaps_files 3\n"
	  "filemaps_deny 2\n"
	  "event system provider=EventLog id=6005 time=2024-06-03T07:58:00Z\n"
	  "event system " SCM_EV " id=7036 time=2024-06-03T07:58:20Z " CRYPT_RUNNING
	  "event system " SCM_EV " id=7000 time=2024-06-03T08:00:20Z " EVSYS_DENIED
	  "event system " SCM_EV " id=7036 time=2024-06-03T09:58:20Z "
	  "\"data=param1:Volume Shadow Copy\" data=param2:stopped binary_utf16=VSS/1\n"
	  "event application " CAPI2_513 " time=2024-06-03T23:00:05Z "
	  "\"text=Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
	  "event application " CAPI2_513 " time=2024-06-04T23:00:05Z "
	  "\"text=Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
	  "event application provider=VSS id=8193 time=2024-06-04T23:00:09Z "
	  "\"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text=\n"
	  "event application provider=VSS id=12289 time=2024-06-04T23:00:10Z "
	  "\"text=Volume Shadow Copy Service error: Unexpected error\" text=0x80042302\n"
	  "event application provider=VSS id=8194 time=2024-06-04T23:00:11Z "
	  "\"text=Unexpected error querying for the IVssWriterCallback interface. hr = 0x80070005, Access is denied.\"\n"
	  "event application provider=Microsoft-Windows-Backup id=517 time=2024-06-04T23:01:00Z "
	  "data=BackupTime:2024-06-04T23:00:00Z data=ErrorCode:0x80780102 "
	  "\"data=ErrorMessage:System writer is not found in the backup.\"\n"
	  "log system new\n"
	  "reg system dword ControlSet001\\Services\\swprv Start 4\n", NULL, NULL },
	/* a volume Windows did not close (NTFS dirty flag), the mount suites' mix */
	{ "repair/ntfs-dirty", "break cause3\nvol flag dirty\n", NULL, NULL },
	{ "dirmode/mixed", "break cause1\nbreak cause4\naspnet_folders 1000\nfilemaps_files 300\nfilemaps_deny 77\n"
	  "folders Big 1500\njunction \"Windows\\Microsoft.NET\\Framework\\v2.0.50727\\Temporary ASP.NET Files\\link\" C:\\Big\n"
	  "junction Users D:\\Users\n", NULL, NULL },
	{ "dirmode/deny-everyone", "break cause4\naspnet_folders 999\n"
	  "pendingrenames O:BAG:SYD:PAI(D;;FA;;;WD)(A;;FA;;;BU)\n", NULL, NULL },
};
const size_t tu_nscenarios = sizeof(tu_scenarios) / sizeof(tu_scenarios[0]);

const char *tu_scenario(const char *name)
{
	size_t i;

	for (i = 0; i < tu_nscenarios; i++)
		if (strcmp(tu_scenarios[i].name, name) == 0)
			return tu_scenarios[i].text;
	ck_abort_msg("no scenario '%s' in tu_scenarios", name);
	return NULL;
}

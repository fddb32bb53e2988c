/* `vssdoctor demo [DIR]`: build a small Windows volume with causes 1, 3 and
 * 4 broken (and MsLldp's descriptor), then scan it as a user would. */
#define _GNU_SOURCE
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

const char demo_scenario[] =
	"# the demo: a Windows Server 2008 R2 volume whose System Writer is gone\n"
	"os 2008r2\n"
	"break cause1 cause3 cause4 mslldp\n"
	"aspnet_folders 1200\n"
	/* what its logs recorded: a boot, the services starting, the writer's
	 * failures and the backup that could not find it */
	"event system provider=EventLog id=6005 time=2024-06-03T07:58:00Z\n"
	"event system provider=Microsoft-Windows-Kernel-General id=12 time=2024-06-03T07:58:00Z\n"
	"event system provider=\"Service Control Manager\" id=7036 time=2024-06-03T07:58:20Z "
	"\"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n"
	"event application provider=Microsoft-Windows-CAPI2 id=513 time=2024-06-03T23:00:05Z "
	"\"text=Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
	"event application provider=Microsoft-Windows-CAPI2 id=513 time=2024-06-04T23:00:05Z "
	"\"text=Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
	"event application provider=VSS id=8193 time=2024-06-04T23:00:09Z "
	"\"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text=\n"
	"event application provider=Microsoft-Windows-Backup id=517 time=2024-06-04T23:01:00Z "
	"data=BackupTime:2024-06-04T23:00:00Z data=ErrorCode:0x80780102 "
	"\"data=ErrorMessage:System writer is not found in the backup.\"\n";

/* The image is built by testdata's scenario tool, a separate program: the
 * fixture writers are test code and the product does not link them
 * (docs/ARCHITECTURE.md).  It is found through $VSSDOCTOR_MKSCENARIO, else
 * beside this program as built (testdata/mkscenario), else where
 * `make install` puts it (../libexec/vssdoctor/mkscenario). */
static char *find_mkscenario(void)
{
	static const char *const rel[] = { "testdata/mkscenario", "../libexec/vssdoctor/mkscenario" };
	const char *env = getenv("VSSDOCTOR_MKSCENARIO");
	char self[4096], *slash, *path;
	ssize_t n;
	size_t i;

	if (env && *env)
		return strdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (asprintf(&path, "%s/%s", self, rel[i]) < 0)
			return NULL;
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* Run TOOL IMG - with the recipe on its stdin; 0 or -1 (said on stderr). */
static int build_image(const char *tool, const char *img)
{
	int fds[2], status;
	size_t len = strlen(demo_scenario), off = 0;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execl(tool, "mkscenario", img, "-", (char *)NULL);
		fprintf(stderr, "vssdoctor: demo: cannot run '%s': %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	while (off < len) {
		ssize_t w = write(fds[1], demo_scenario + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return off == len && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int cmd_demo(int argc, char **argv)
{
	char dirbuf[] = "/tmp/vssdoctor-demo.XXXXXX";
	const char *dir;
	char *img = NULL, *tool;
	char *scan_argv[4];

	if (argc > 2) {
		fprintf(stderr, "vssdoctor: demo: usage: vssdoctor demo [DIR]\n");
		return 2;
	}
	if (argc == 2) {
		dir = argv[1];
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "vssdoctor: demo: cannot create '%s': %s\n", dir, strerror(errno));
			return 2;
		}
	} else {
		dir = mkdtemp(dirbuf);
		if (!dir) {
			fprintf(stderr, "vssdoctor: demo: cannot create a temporary folder: %s\n", strerror(errno));
			return 2;
		}
	}
	if (asprintf(&img, "%s/demo-win2008r2.img", dir) < 0)
		return 2;
	fprintf(stderr, "vssdoctor: demo: building '%s' (Windows Server 2008 R2; WinSxS ACL, CryptSvc descriptor, 1,200 ASP.NET temp folders and MsLldp broken; its logs hold the writer's failures)\n", img);
	tool = find_mkscenario();
	if (!tool) {
		fprintf(stderr, "vssdoctor: demo: the scenario tool is missing (build it with 'make', or set VSSDOCTOR_MKSCENARIO)\n");
		free(img);
		return 2;
	}
	if (build_image(tool, img) < 0) {
		fprintf(stderr, "vssdoctor: demo: '%s' could not build '%s'\n", tool, img);
		free(tool);
		free(img);
		return 2;
	}
	free(tool);
	fprintf(stderr, "vssdoctor: demo: scanning it: vssdoctor scan %s\n\n", img);
	scan_argv[0] = (char *)"scan";
	scan_argv[1] = img;
	scan_argv[2] = NULL;
	{
		int st = cli_main_scan(2, scan_argv);
		free(img);
		return st;
	}
}

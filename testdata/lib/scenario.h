/* Scenarios: one Windows volume described in a few lines (which causes are
 * broken, plus raw edits), built into an NTFS volume file with realistic
 * SYSTEM/SOFTWARE hives, service binaries, WinSxS and .NET Framework trees.
 *
 * Language (one instruction a line, '#' comments; words may be "quoted"):
 *   os 2008r2|2012r2|2016|2019|2022|2003   product (default 2008r2)
 *   windir NAME                            the Windows folder (default
 *                                          Windows): the fixed tree, hives,
 *                                          logs and presets go under NAME,
 *                                          SOFTWARE SystemRoot is C:\NAME
 *   letter X: mbr SIG OFFSET | gpt GUID | device [PATH]
 *                                          SYSTEM\MountedDevices gives X: to
 *                                          the MBR partition at byte OFFSET
 *                                          of disk SIG (hex), the GPT
 *                                          partition GUID, or a device path
 *                                          (a CD-ROM by default)
 *   size 96M                               volume size
 *   break cause1|cause2|cause3|cause4|mslldp|binary|vssacl
 *       cause1: PendingRenames ACL without SYSTEM and Users
 *       cause2: CryptSvc Start = 4 (disabled)
 *       cause3: CryptSvc descriptor without SY, IU, SU
 *       cause4: Temporary ASP.NET Files with aspnet_folders folders
 *       mslldp: MsLldp descriptor gives the writer's token nothing
 *       binary: EventSystem's ServiceDll (es.dll) missing on the volume
 *       vssacl: VssAccessControl without NETWORK SERVICE
 *       diagacl: Services\VSS\Diag's own descriptor without NETWORK
 *           SERVICE (as after the DHCP server role, KB 2298620)
 *       comsec: SOFTWARE Microsoft\Ole MachineAccessRestriction without
 *           Everyone (only Administrators and Distributed COM Users)
 *       imagepath: service FooAgent with ImagePath SCN_BAD_IMAGEPATH
 *           (forward slashes, KB 968247); its binary exists
 *   aspnet_folders N                       folders for break cause4 (1200)
 *   services N                             N more services and drivers
 *   pad system|software SIZE               filler keys until the hive grows
 *                                          by about SIZE (e.g. 30M)
 *   reg system|software TYPE KEY [NAME [VALUE]]
 *       TYPE: key dword sz expand_sz multi_sz (a|b|c) hex sddl delete;
 *       "reg HIVE keysd KEY SDDL" gives KEY its own descriptor (sk cell);
 *       KEY below the hive root, e.g. ControlSet001\Services\CryptSvc
 *   pendingrenames SDDL|absent             PendingRenames' descriptor, or no
 *                                          PendingRenames file (wins over
 *                                          break cause1)
 *   filemaps_files N                       N more FileMaps files
 *                                          fm_00001.cdf-ms.., each with the
 *                                          KB 2009272 descriptor
 *   filemaps_deny K [SDDL]                 FileMaps file K gets SDDL (default
 *                                          SCN_SDDL_WINSXS_DENY_USERS)
 *   folders PATH N [PREFIX]                N subfolders PREFIX00001.. in PATH
 *   webconfig [Framework64\]VERSION TEXT   VERSION\CONFIG\Web.config (under
 *                                          Windows\Microsoft.NET\Framework
 *                                          unless named) holds TEXT (\n \r
 *                                          \t \\ \" escapes)
 *   junction PATH TARGET                   PATH becomes a junction to TARGET
 *   sddl PATH SDDL                         PATH's descriptor
 *   binary PATH                            a file holding "MZ" (a service binary)
 *   wsblog NAME TEXT                       Windows\Logs\WindowsServerBackup\NAME
 *                                          holding TEXT (\n \r \t \\ escapes) as
 *                                          UTF-16LE with a byte-order mark
 *       (PATH may be "quoted" to hold spaces; these run after the fixed
 *       tree and before the vol lines, in order)
 *   log system|software new|old [corrupt N] [pages N]
 *                                          the reg lines after this one reach
 *                                          that hive only through its LOG1 (new
 *                                          = HvLE, old = DIRT format): the
 *                                          primary file is dirty (sequence
 *                                          numbers 5/4); corrupt N spoils entry
 *                                          N (new) or the log's base block
 *                                          (old); pages N = pages per entry
 *   vol LINE                               a testdata/mkfixture line (dir,
 *                                          file, sddl, junction, dirs, files)
 *   event application|system|capi2 FIELDS...
 *                                          one record in that log (fields of
 *                                          evtx_writer.h's spec language:
 *                                          provider=.. id=.. text=.. data=..)
 *   evtx application|system|capi2 LINE     one line of that spec language
 *                                          (dirty 1, computer NAME, bulk N)
 *       A log is written (Windows\System32\winevt\Logs\Application.evtx,
 *       System.evtx, Microsoft-Windows-CAPI2%4Operational.evtx) only when a
 *       line names it; the other logs are absent from the volume.
 */
#ifndef VSSD_SCENARIO_H
#define VSSD_SCENARIO_H

#include "err.h"

/* Build the scenario text into an NTFS volume file at out_path. */
int scenario_build(const char *text, const char *out_path, struct err *err);

/* The well-known descriptors the scenarios use (SDDL). */
#define SCN_SDDL_SCM_DEFAULT "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)"
#define SCN_SID_TI "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
/* KB 2009272's result: SYSTEM RX, TrustedInstaller F, Users RX */
#define SCN_SDDL_WINSXS_OK "O:" SCN_SID_TI "G:SYD:PAI(A;;0x1200a9;;;SY)(A;;FA;;;" SCN_SID_TI ")(A;;0x1200a9;;;BU)"
#define SCN_SDDL_WINSXS_DIR_OK "O:" SCN_SID_TI "G:SYD:PAI(A;OICI;0x1200a9;;;SY)(A;OICI;FA;;;" SCN_SID_TI ")(A;OICI;0x1200a9;;;BU)(A;OICI;0x1200a9;;;BA)"
#define SCN_SDDL_WINSXS_BROKEN "O:BAG:SYD:PAI(A;;FA;;;BA)"
/* KB 2009272's grants, but a deny ACE for Users first: the writer's token
 * (which holds Users) cannot read */
#define SCN_SDDL_WINSXS_DENY_USERS "O:" SCN_SID_TI "G:SYD:PAI(D;;FR;;;BU)(A;;0x1200a9;;;SY)(A;;FA;;;" SCN_SID_TI ")(A;;0x1200a9;;;BU)"

/* Services\VSS\Diag as Windows 8 / 10 ship it (SYSTEM_win10_1709): NETWORK
 * SERVICE gets 0x3001f, its subkeys inherit full control */
#define SCN_SDDL_DIAG "O:SYG:SYD:PAI(A;;KA;;;BA)(A;;KA;;;SY)(A;;CCDCLCSWRPSDRC;;;BO)(A;;CCDCLCSWRPSDRC;;;LS)(A;;CCDCLCSWRPSDRC;;;NS)(A;CIIO;RC;;;OW)(A;;KR;;;BU)(A;CIIO;GR;;;BU)(A;CIIO;GA;;;BA)(A;CIIO;GA;;;BO)(A;CIIO;GA;;;LS)(A;CIIO;GA;;;NS)(A;CIIO;GA;;;SY)"
#define SCN_SDDL_DIAG_SUBKEY "O:SYG:SYD:AI(A;CIID;RC;;;OW)(A;ID;KR;;;BU)(A;CIIOID;GR;;;BU)(A;ID;KA;;;BA)(A;CIIOID;GA;;;BA)(A;ID;KA;;;BO)(A;CIIOID;GA;;;BO)(A;ID;KA;;;LS)(A;CIIOID;GA;;;LS)(A;ID;KA;;;NS)(A;CIIOID;GA;;;NS)(A;ID;KA;;;SY)(A;CIIOID;GA;;;SY)"
/* SOFTWARE Microsoft\Ole machine-wide COM limits as Windows ships them, and
 * an access limit "hardened" down to Administrators and DCOM users */
#define SCN_SDDL_COM_ACCESS "O:BAG:BAD:(A;;CCDCLC;;;WD)(A;;CCDC;;;AN)(A;;CCDCLC;;;S-1-5-32-562)(A;;CCDCLC;;;LU)"
#define SCN_SDDL_COM_LAUNCH "O:BAG:BAD:(A;;CCDCLCSWRP;;;BA)(A;;CCDCSW;;;WD)(A;;CCDCLCSWRP;;;S-1-5-32-562)(A;;CCDCLCSWRP;;;LU)"
#define SCN_SDDL_COM_ACCESS_NO_EVERYONE "O:BAG:BAD:(A;;CCDCLC;;;BA)(A;;CCDCLC;;;S-1-5-32-562)"
/* break imagepath's agent */
#define SCN_BAD_IMAGEPATH "C:/Program Files/Foo Agent/agent.exe -service"
/* ... and after the DHCP server role took NETWORK SERVICE off it */
#define SCN_SDDL_DIAG_NO_NS "O:SYG:SYD:PAI(A;;KA;;;BA)(A;;KA;;;SY)(A;;CCDCLCSWRPSDRC;;;BO)(A;;CCDCLCSWRPSDRC;;;LS)(A;CIIO;RC;;;OW)(A;;KR;;;BU)(A;CIIO;GR;;;BU)(A;CIIO;GA;;;BA)(A;CIIO;GA;;;BO)(A;CIIO;GA;;;LS)(A;CIIO;GA;;;SY)"

#endif

/* Every size, count and offset read from an image is checked against one of
 * these named limits before it is used or allocated (STYLE.md "Memory and
 * limits").  Hitting one is reported (an error or an `unknown` with the
 * limit's name), never a silent cut.  Keep one section per area. */
#ifndef VSSD_LIMITS_H
#define VSSD_LIMITS_H

/* security descriptors and SIDs (MS-DTYP 2.4) */
#define LIMIT_SD_SIZE            (64u * 1024)  /* self-relative descriptor */
#define LIMIT_SID_SUBAUTH        15u           /* MS-DTYP 2.4.2: at most 15 */
#define LIMIT_ACL_ACES           4096u         /* ACEs in one ACL */
#define LIMIT_SDDL_LEN           (64u * 1024)  /* SDDL text */
#define LIMIT_CAPI2_TEXT         (64u * 1024)  /* CAPI2 513 EventData text */
#define LIMIT_SDDL_CMD_INPUT     (1024u * 1024) /* `vssdoctor sddl` HEX or @FILE input */

/* conditional expressions and resource attributes (MS-DTYP 2.4.4.17,
 * 2.4.10.1; parsers/condexpr.c) */
#define LIMIT_COND_BYTES         0xffffu       /* one expression: it must fit an AceSize */
#define LIMIT_COND_TOKENS        16384u        /* tokens in one expression, composites' members included */
#define LIMIT_COND_DEPTH         128u          /* operator and composite nesting: bounds every recursion */
#define LIMIT_CLAIM_VALUES       4096u         /* values of one resource attribute */

/* file system */
#define LIMIT_PATH_LEN           4096u         /* bytes of a path we build */
#define LIMIT_NAME_LEN           1024u         /* bytes of one UTF-8 name */
#define LIMIT_DIR_DEPTH          64u           /* folder recursion */
#define LIMIT_LINK_HOPS          40u           /* links followed in one path (directory mode) */
#define LIMIT_FILE_READ          (256u * 1024 * 1024) /* one file read whole */
#define LIMIT_FILE_EXTENTS       65536u        /* data runs of one file mapped for repair */
#define LIMIT_HIVE_SIZE          (512u * 1024 * 1024) /* hive file */
#define LIMIT_BCD_SIZE           (16u * 1024 * 1024) /* Boot\BCD hive file */
#define LIMIT_EVTX_SIZE          (1024u * 1024 * 1024) /* one event log */
#define LIMIT_WEBCONFIG_SIZE     (4u * 1024 * 1024)
#define LIMIT_DIR_ENTRIES        (4u * 1024 * 1024) /* entries walked in one scan */
#define LIMIT_WINDIR_LEN         260u          /* bytes of the Windows folder's name
						* (MAX_PATH: SystemRoot is a path) */
#define LIMIT_WINDIR_CANDIDATES  8u            /* top-level folders holding
						* System32\config\SYSTEM */
#define LIMIT_WINDIR_ROOT_DIRS   4096u         /* top-level folders looked into
						* for one (a real root has ~30) */

/* volumes */
#define LIMIT_PARTITIONS         128u          /* GPT entries / MBR chain */
#define LIMIT_MBR_EBR_CHAIN      64u           /* logical partitions */
#define LIMIT_GPT_ENTRIES        1024u         /* GPT array entries (Windows: 128) */
#define LIMIT_GPT_ENTRY_SIZE     4096u         /* bytes per GPT entry (UEFI: 128 * 2^n) */
#define LIMIT_GPT_TABLE_BYTES    (1024u * 1024) /* whole GPT entry array */

/* images */
#define LIMIT_IMAGE_PARENTS      16u           /* differencing-disk chain depth */
#define LIMIT_IMAGE_NAME_LEN     4096u         /* parent / extent file name bytes */
#define LIMIT_VHD_BLOCK_SIZE     (256u * 1024 * 1024) /* VHD dynamic block (default 2 MiB) */

/* volume shadow copies (src/image/vshadow.c) */
#define LIMIT_VSS_STORES         512u          /* stores on one volume (Windows keeps <= 512) */
#define LIMIT_VSS_CACHE_BYTES    (64u * 1024 * 1024) /* block cache shared by the stores */
#define LIMIT_VSS_CATALOG_BLOCKS 64u           /* catalog blocks (127 entries each) */
#define LIMIT_EVENTS_SHARE_BYTES (256u * 1024 * 1024) /* event log bytes kept to share indexes across shadow copies */
#define LIMIT_VSS_LIST_BLOCKS    (1u << 17)    /* block list / range list blocks of one store (508 x 16 KiB each: 1 TiB) */

/* registry transaction logs (parsers/hivelog.c) */
#define LIMIT_HIVELOG_SIZE       (512u * 1024 * 1024) /* one .LOG/.LOG1/.LOG2 file */
#define LIMIT_HIVELOG_ENTRIES    (1u << 20)    /* HvLE entries replayed, both logs */
#define LIMIT_HIVELOG_PAGES      (1u << 17)    /* dirty page references in one entry */

/* registry collector (src/evidence/registry.c, services.c) */
#define LIMIT_REG_VALUE          (16u * 1024 * 1024) /* one value's data */
#define LIMIT_REG_NAME           (64u * 1024)  /* UTF-8 bytes of a key or value name */
#define LIMIT_REG_SUBKEYS        (256u * 1024) /* subkeys of one key walked */
#define LIMIT_REG_VALUES         (64u * 1024)  /* values of one key walked */
#define LIMIT_REG_MULTI_SZ       4096u         /* strings in one REG_MULTI_SZ */
#define LIMIT_SVC_DEPENDS        64u           /* DependOnService: depth and services visited */

/* event logs (src/evidence/events.c) */
#define LIMIT_EVTX_RECORDS       (4u * 1024 * 1024) /* records listed in one log */
#define LIMIT_EVTX_STRINGS       256u          /* strings kept per record */
#define LIMIT_EVTX_STRING_LEN    (64u * 1024)  /* bytes of one kept string or binary */
#define LIMIT_EVTX_POOL          (256u * 1024 * 1024) /* kept strings of one log */
#define LIMIT_EVTX_PROVIDERS     4096u         /* distinct provider names in one log */
#define LIMIT_EVTX_PROVIDER_LEN  256u          /* bytes of one provider name */
#define LIMIT_EVENT_SPEC_IDS     64u           /* event ids in one rule spec */
#define LIMIT_EVENT_TEXT         1024u         /* bytes of event text in evidence */
#define LIMIT_EVENT_RECORD_NUMBERS 5u          /* record numbers listed per group */
#define LIMIT_EVENT_SERVICE_NAMES 65536u      /* services read for display-name mapping */

/* Windows Server Backup's text logs (parsers/wsblog.c) */
#define LIMIT_WSBLOG_SIZE        (16u * 1024 * 1024) /* one .log file read */
#define LIMIT_WSBLOG_LINE        4096u         /* UTF-8 bytes of one line kept */
#define LIMIT_WSBLOG_FILES       256u          /* .log files read in one scan */
#define LIMIT_WSBLOG_ENTRIES     4096u         /* failed files kept in one scan */

/* BitLocker FVE metadata read by src/image/bde.c itself (the recovery
 * password unwrap); Windows writes ~1 KiB in a 64 KiB block */
#define LIMIT_BDE_METADATA       65536u        /* bytes of one FVE metadata */

/* rules */
#define LIMIT_RULE_FILE_SIZE     (1024u * 1024)
#define LIMIT_RULES              256u

/* report */
#define LIMIT_EVIDENCE_ITEMS     50u           /* items listed before "and N more" */

#endif

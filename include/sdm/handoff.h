/*
 * The one structure sinit hands to dommgr. sinit builds it in memory it
 * reserved next to dommgr's image; dommgr checks magic, version and size
 * before using any field. The layout is fixed (explicit padding, sizes
 * asserted below); bump SDM_HANDOFF_VERSION on any change.
 */
#ifndef SDM_HANDOFF_H
#define SDM_HANDOFF_H
#include <sdm/err.h>
#include <sdm/types.h>

#define SDM_HANDOFF_MAGIC 0x484d4453u /* "SDMH" */
#define SDM_HANDOFF_VERSION 1u

#define SDM_HO_MAX_MMAP 128
#define SDM_HO_MAX_MODULES 16
#define SDM_HO_MAX_CPUS 64
#define SDM_HO_MAX_DRHD 8

/* How the launch happened: never claim more than happened (DESIGN.md). */
enum sdm_launch_kind {
	SDM_LAUNCH_UNMEASURED = 0,
	SDM_LAUNCH_STATIC = 1,         /* measured at a locality < 4 */
	SDM_LAUNCH_EMULATED_DRTM = 2,  /* sinit ran the DRTM sequence itself */
	SDM_LAUNCH_TXT = 3,            /* GETSEC[SENTER] via tboot */
};

enum sdm_console_flags {
	SDM_CONSOLE_SERIAL = 1u << 0, /* COM1 16550 at 0x3f8 */
	SDM_CONSOLE_E9 = 1u << 1,     /* Bochs/QEMU debug port 0xe9 */
};

enum sdm_log_level {
	SDM_LOG_ERROR = 0,
	SDM_LOG_WARN = 1,
	SDM_LOG_INFO = 2,
	SDM_LOG_DEBUG = 3,
};

/* What to do when work is finished or stopped (emulator runs power off). */
enum sdm_exit_action {
	SDM_EXIT_HALT = 0,
	SDM_EXIT_POWEROFF = 1,
};

enum sdm_module_kind {
	SDM_MOD_OTHER = 0,
	SDM_MOD_DOMMGR = 1,
	SDM_MOD_NORMAL = 2,    /* the normal domain's kernel */
	SDM_MOD_PROTECTED = 3, /* a protected domain's image */
};

enum sdm_image_format {
	SDM_IMG_UNKNOWN = 0,
	SDM_IMG_MULTIBOOT1 = 1,
	SDM_IMG_MULTIBOOT2 = 2,
	SDM_IMG_ELF64 = 3,
};

enum sdm_tpm_iface {
	SDM_TPM_IFACE_NONE = 0,
	SDM_TPM_IFACE_TIS = 1,    /* TIS 1.2/1.3 or PTP FIFO */
	SDM_TPM_IFACE_CRB = 2,
	SDM_TPM_IFACE_BRIDGE = 3, /* emulator serial bridge (test images only) */
};

enum sdm_tpm_family {
	SDM_TPM_FAMILY_NONE = 0,
	SDM_TPM_FAMILY_12 = 1,
	SDM_TPM_FAMILY_20 = 2,
};

struct sdm_ho_mem {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* multiboot2/e820 type */
	uint32_t pad;
};
SDM_STATIC_ASSERT(sizeof(struct sdm_ho_mem) == 24, "handoff mem entry");

struct sdm_ho_module {
	uint64_t base;  /* physical */
	uint64_t size;
	uint32_t kind;   /* enum sdm_module_kind */
	uint32_t format; /* enum sdm_image_format */
	char name[32];     /* first word of the command line, NUL-terminated */
	char cmdline[128]; /* the whole command line (truncated), NUL-terminated */
};
SDM_STATIC_ASSERT(sizeof(struct sdm_ho_module) == 184, "handoff module");

struct sdm_ho_drhd {
	uint64_t base;
	uint16_t segment;
	uint8_t flags;
	uint8_t pad[5];
};
SDM_STATIC_ASSERT(sizeof(struct sdm_ho_drhd) == 16, "handoff drhd");

struct sdm_ho_platform {
	uint64_t rsdp_pa, madt_pa, dmar_pa, tpm2_pa, fadt_pa;
	uint32_t lapic_base;
	uint32_t ncpus;
	uint32_t apic_ids[SDM_HO_MAX_CPUS];
	uint32_t bsp_apic_id;
	uint32_t ndrhd;
	struct sdm_ho_drhd drhd[SDM_HO_MAX_DRHD];
	uint8_t dmar_haw;
	uint8_t s5_valid;
	uint8_t s5_slp_typa, s5_slp_typb;
	uint32_t pm1a_cnt_port, pm1b_cnt_port;
	uint8_t reset_valid, reset_space, reset_value, pad0;
	uint64_t reset_addr;
};
SDM_STATIC_ASSERT(sizeof(struct sdm_ho_platform) == 464, "handoff platform");

struct sdm_ho_tpm {
	uint32_t iface;   /* enum sdm_tpm_iface */
	uint32_t family;  /* enum sdm_tpm_family */
	uint64_t base_pa; /* locality 0 register page, 0 if none */
	uint32_t did_vid; /* TPM_DID_VID register */
	uint32_t rid;
};
SDM_STATIC_ASSERT(sizeof(struct sdm_ho_tpm) == 24, "handoff tpm");

/* Launch error classes, recorded as bits in sdm_ho_measure.launch_errors. */
enum sdm_launch_error {
	SDM_LERR_NO_TPM = 0,    /* no TPM found */
	SDM_LERR_TPM = 1,       /* the TPM failed or answered garbage */
	SDM_LERR_NO_DRTM = 2,   /* no DRTM possible: static launch */
	SDM_LERR_NO_IOMMU = 3,  /* no IOMMU: DMA not restricted */
	SDM_LERR_IMAGE = 4,     /* an image is missing or differs from the policy */
	SDM_LERR_CHECK = 5,     /* the policy does not fit the machine */
	SDM_LERR_ROLLBACK = 6,  /* the TPM rollback counter was not checked */
};

/* Measurement state: the event log (in dommgr's region) and its banks. */
struct sdm_ho_measure {
	uint64_t evlog_pa;
	uint32_t evlog_cap, evlog_len;
	uint32_t evlog_format;  /* 0 none, 1 TPM 1.2, 2 TPM 2.0 crypto-agile */
	uint32_t evlog_nevents;
	uint32_t nbanks;
	uint16_t bank_alg[4], bank_size[4];
	uint32_t launch_errors; /* bits of enum sdm_launch_error */
	uint32_t tpm_ok;        /* 1: the TPM was started and measured into */
	uint32_t policy_len;    /* the verified policy blob, 0: none */
	uint64_t policy_pa;     /* its copy in dommgr's region */
};
SDM_STATIC_ASSERT(sizeof(struct sdm_ho_measure) == 64, "handoff measure");

struct sdm_handoff {
	uint32_t magic;   /* SDM_HANDOFF_MAGIC */
	uint16_t version; /* SDM_HANDOFF_VERSION */
	uint16_t hdr_pad;
	uint32_t size;    /* sizeof(struct sdm_handoff) */
	uint32_t launch_kind; /* enum sdm_launch_kind */
	uint32_t console;     /* enum sdm_console_flags */
	uint32_t loglevel;    /* enum sdm_log_level */
	uint32_t exit_action; /* enum sdm_exit_action */
	uint32_t pad0;
	/* Where things are (physical, [base, end)). */
	uint64_t sinit_base, sinit_end;
	uint64_t dommgr_base, dommgr_end; /* image, page tables, stack, this */
	uint64_t dommgr_vbase;            /* link address of dommgr's image */
	uint64_t mbi_pa;
	/* dommgr's page heap inside its region: sinit's page tables take the
	 * first heap_used bytes, dommgr allocates the rest. */
	uint64_t heap_base, heap_size, heap_used;
	uint32_t nmmap;
	uint32_t nmods;
	struct sdm_ho_mem mmap[SDM_HO_MAX_MMAP];
	struct sdm_ho_module mods[SDM_HO_MAX_MODULES];
	struct sdm_ho_platform platform;
	struct sdm_ho_tpm tpm;
	struct sdm_ho_measure measure;
	char sinit_cmdline[256];
	char dommgr_cmdline[128];
};
SDM_STATIC_ASSERT(__builtin_offsetof(struct sdm_handoff, sinit_base) == 32,
		  "handoff header");
SDM_STATIC_ASSERT(__builtin_offsetof(struct sdm_handoff, mmap) == 112,
		  "handoff mmap offset");
SDM_STATIC_ASSERT(sizeof(struct sdm_handoff) == 7064, "handoff size");

/*
 * Check a handoff received by dommgr: magic, version, size, counts within
 * their arrays, strings terminated, ranges not wrapping.
 */
int sdm_handoff_check(const struct sdm_handoff *ho, size_t avail,
		      struct sdm_err *err);

#endif

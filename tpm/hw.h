/*
 * Hardware access for the TPM transports (tpm/tis.c, tpm/crb.c,
 * tpm/bridge.c), injected so that the same logic runs in sinit, in dommgr
 * and on the host against a device model (tests/unit/test_tis.c ...).
 *
 * Physical addresses are passed as they are; the implementation maps them
 * (sinit: identity mapped, uncached; dommgr: its own mapping of the TPM
 * locality pages). Register reads are hostile input: the transports check
 * every value they use.
 *
 * now_us is a monotonic clock in microseconds. Every wait in the
 * transports polls a register and then now_us, so an implementation may
 * extend a narrow free-running counter by wrap counting: see
 * tpm_pmtimer_us() below for the ACPI PM timer. No transport waits
 * without a deadline computed from now_us.
 */
#ifndef SDM_TPM_HW_H
#define SDM_TPM_HW_H
#include <sdm/types.h>

struct tpm_hw {
	void *ctx;
	uint8_t (*rd8)(void *ctx, uint64_t pa);
	uint32_t (*rd32)(void *ctx, uint64_t pa);
	void (*wr8)(void *ctx, uint64_t pa, uint8_t v);
	void (*wr32)(void *ctx, uint64_t pa, uint32_t v);
	uint8_t (*inb)(void *ctx, uint16_t port);
	void (*outb)(void *ctx, uint16_t port, uint8_t v);
	uint64_t (*now_us)(void *ctx);
};

/* Microseconds per millisecond, for messages that name a timeout. */
#define TPM_US_PER_MS 1000u

/*
 * Interface timeouts of the PC Client PTP spec (TIMEOUT_A..D, the same for
 * the FIFO and CRB interfaces), plus our bound on one command's execution.
 * The PTP spec gives no single execution bound; the slowest commands
 * (RSA key generation on a discrete TPM, TPM2_CreatePrimary) take tens of
 * seconds, so 120 s is long enough for them and still ends a hang.
 */
struct tpm_timeouts {
	uint64_t a_us;   /* TIMEOUT_A: locality request granted */
	uint64_t b_us;   /* TIMEOUT_B: commandReady; settle after a cancel */
	uint64_t c_us;   /* TIMEOUT_C: stsValid; CRB cmdReady/goIdle */
	uint64_t d_us;   /* TIMEOUT_D: burstCount becomes non-zero */
	uint64_t cmd_us; /* one command's execution (not from the spec) */
};

#define TPM_TIMEOUT_A_US 750000u
#define TPM_TIMEOUT_B_US 2000000u
#define TPM_TIMEOUT_C_US 200000u
#define TPM_TIMEOUT_D_US 30000u
#define TPM_TIMEOUT_CMD_US 120000000u

static inline struct tpm_timeouts tpm_timeouts_default(void)
{
	return (struct tpm_timeouts){
		.a_us = TPM_TIMEOUT_A_US,
		.b_us = TPM_TIMEOUT_B_US,
		.c_us = TPM_TIMEOUT_C_US,
		.d_us = TPM_TIMEOUT_D_US,
		.cmd_us = TPM_TIMEOUT_CMD_US,
	};
}

/*
 * A deadline for one polling loop:
 *
 *	tpm_deadline_start(&d, hw, us);
 *	do {
 *		read a register; return if it shows what we wait for;
 *	} while (tpm_deadline_left(&d, hw));
 *	report a timeout, naming tpm_deadline_note(&d);
 *
 * A clock that stops (a broken or absent timer reads a constant) must not
 * turn a bounded wait into a hang: after TPM_CLOCK_STUCK_POLLS polls in a
 * row without the clock moving the deadline counts as passed. One poll
 * costs at least a register access (far more than the 0.28 us tick of
 * the PM timer), so a working clock never gets near that count.
 */
#define TPM_CLOCK_STUCK_POLLS 100000u

struct tpm_deadline {
	uint64_t start;
	uint64_t last;
	uint64_t us;
	uint32_t same;
	bool stuck;
};

static inline void tpm_deadline_start(struct tpm_deadline *d,
				      const struct tpm_hw *hw, uint64_t us)
{
	d->start = hw->now_us(hw->ctx);
	d->last = d->start;
	d->us = us;
	d->same = 0;
	d->stuck = false;
}

/* True while time is left. A clock going backwards ends the wait too. */
static inline bool tpm_deadline_left(struct tpm_deadline *d,
				     const struct tpm_hw *hw)
{
	uint64_t now = hw->now_us(hw->ctx);

	if (now == d->last) {
		if (++d->same >= TPM_CLOCK_STUCK_POLLS) {
			d->stuck = true;
			return false;
		}
	} else {
		d->same = 0;
		d->last = now;
	}
	return now >= d->start && now - d->start < d->us;
}

/* Appended to timeout messages: says when the clock, not the device, failed. */
static inline const char *tpm_deadline_note(const struct tpm_deadline *d)
{
	return d->stuck ? " (clock not advancing)" : "";
}

/*
 * ACPI PM timer (ACPI 6.x, 4.8.3.3): 3.579545 MHz, 24 bits wide, or 32 bits
 * when FADT flag TMR_VAL_EXT is set. Feed each raw read to
 * tpm_pmtimer_us(); it counts wraps, so it must see at least one read per
 * wrap period (4.68 s for 24 bits), which the transports' polling loops
 * guarantee while they wait.
 */
#define TPM_PMTIMER_HZ 3579545u

struct tpm_pmtimer {
	uint32_t mask;  /* 0xffffff or 0xffffffff */
	uint32_t last;  /* previous raw value */
	uint64_t ticks; /* ticks since the first read */
	bool started;
};

static inline void tpm_pmtimer_init(struct tpm_pmtimer *t, bool ext32)
{
	t->mask = ext32 ? 0xffffffffu : 0x00ffffffu;
	t->last = 0;
	t->ticks = 0;
	t->started = false;
}

static inline uint64_t tpm_pmtimer_us(struct tpm_pmtimer *t, uint32_t raw)
{
	raw &= t->mask;
	if (t->started)
		t->ticks += (raw - t->last) & t->mask;
	t->started = true;
	t->last = raw;
	/* Split so that ticks * 10^6 cannot overflow. */
	return t->ticks / TPM_PMTIMER_HZ * 1000000u +
	       t->ticks % TPM_PMTIMER_HZ * 1000000u / TPM_PMTIMER_HZ;
}

#endif

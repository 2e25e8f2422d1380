# shellcheck shell=bash
# Shared by tests/emu/run, tests/emu/boot and tests/demo (sourced, never run).
# Starts Bochs or QEMU on a boot image with every artefact in one directory,
# and stops everything it started. Callers cd to the repository root first.
#
# Inputs of emu_start (shell variables):
#   EMU         bochs | qemu
#   ISO         the image to boot
#   OUT         artefact directory (created by the caller)
#   TIMEOUT     hard limit in seconds (timeout(1) sends SIGKILL)
#   BOCHS_CPU   Bochs CPU model          (default corei7_skylake_x)
#   BOCHS_CPUS  Bochs CPU count          (default 2)
#   BOCHS_IPS   Bochs instructions/s     (default 50000000; with clock sync=none
#               a lower value makes timer waits in BIOS and GRUB cheaper)
#   QEMU_ARGS   array of extra QEMU arguments
#   TPM         none | tis | crb         (QEMU only: swtpm behind tpm-tis/tpm-crb)
#   IOMMU       0 | 1                    (QEMU only: -device intel-iommu)
# Outputs: EMU_PID (the timeout(1) process, leader of the emulator's own
# process group), SWTPM_PID, EMU_LOG (the emulator's own log file).
# Artefacts in OUT: serial.log (COM1), bochs.log + bochs.out (Bochs log and
# console) or qemu.log (-d cpu_reset) + qemu.out (QEMU's messages),
# swtpm.log and tpm/ (swtpm state), bochsrc and cont.rc.

# Variables set here are read by the scripts that source this file.
# shellcheck disable=SC2034
export LC_ALL=C

B=build
SDM=$B/bin/sdm
EMU_SINIT_CMDLINE="console=serial loglevel=info exit=poweroff"
# What each emulator writes to its own log when a CPU triple-faults.
EMU_TRIPLE_FAULT_BOCHS='3rd \([0-9]+\) exception with no resolution'
EMU_TRIPLE_FAULT_QEMU='^Triple fault'
EMU_PID=
SWTPM_PID=
EMU_LOG=

# Microseconds since the epoch (bash 5 EPOCHREALTIME, no external command).
emu_now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	echo "$((10#$t))"
}

# Seconds with one decimal between two emu_now_us values.
emu_elapsed() {
	local d=$((($2 - $1) / 100000))
	echo "$((d / 10)).$((d % 10))"
}

# emu_image ISO [sdm image args...]: build ISO with the emulator command line
# (SINIT_CMDLINE, default EMU_SINIT_CMDLINE); sdm's output goes to
# $OUT/image.log. Scenario prepare() functions use this too.
emu_image() {
	local iso=$1
	shift
	if [[ ! -x $SDM ]]; then
		echo "$SDM is missing: run make first" >>"$OUT/image.log"
		return 1
	fi
	"$SDM" image --cmdline "${SINIT_CMDLINE:-$EMU_SINIT_CMDLINE}" --out "$iso" "$@" \
		>>"$OUT/image.log" 2>&1
}

# emu_truncated_copy SRC BYTES DEST: the first BYTES bytes of SRC (for
# images that must be corrupt).
emu_truncated_copy() {
	local size
	if [[ ! -f $1 ]]; then
		echo "emu_truncated_copy: $1 does not exist" >&2
		return 1
	fi
	head -c "$2" -- "$1" >"$3"
	size=$(stat -c %s -- "$3")
	if ((size != $2)); then
		echo "emu_truncated_copy: $1 is shorter than $2 bytes" >&2
		return 1
	fi
}

# A path usable in an emulator option: absolute, no commas (QEMU's
# separator) and no double quotes (bochsrc's).
emu_abs() {
	local p
	p=$(realpath -m -- "$1")
	if [[ $p == *[,\"]* ]]; then
		echo "path contains ',' or '\"', which emulator options cannot hold: $p" >&2
		return 1
	fi
	echo "$p"
}

emu_start_swtpm() {
	local dir=$1 sock=$1/swtpm.sock i
	if ((${#sock} > 100)); then # sun_path holds 108 bytes
		sock=$(mktemp -u /tmp/sdm-swtpm.XXXXXX.sock)
	fi
	mkdir -p "$dir/tpm"
	swtpm socket --tpm2 --tpmstate dir="$dir/tpm" --ctrl type=unixio,path="$sock" \
		--log file="$dir/swtpm.log",level=5 --terminate </dev/null >>"$dir/swtpm.log" 2>&1 &
	SWTPM_PID=$!
	for ((i = 0; i < 50; i++)); do
		[[ -S $sock ]] && break
		if ! kill -0 "$SWTPM_PID" 2>/dev/null; then
			echo "swtpm exited at start; see $dir/swtpm.log" >&2
			return 1
		fi
		sleep 0.1
	done
	if [[ ! -S $sock ]]; then
		echo "swtpm did not create $sock within 5 s; see $dir/swtpm.log" >&2
		return 1
	fi
	EMU_TPM_SOCK=$sock
}

emu_start_bochs() {
	local iso out
	iso=$(emu_abs "$ISO") || return 1
	out=$(emu_abs "$OUT") || return 1
	if [[ $TPM != none || $IOMMU != 0 ]]; then
		echo "Bochs has no TPM and no IOMMU (TPM=$TPM IOMMU=$IOMMU); use QEMU" >&2
		return 1
	fi
	# rfb is the one headless display in Debian's build (no nogui; term
	# ignores SIGTERM). timeout=0: do not wait for a viewer. Each instance
	# takes the first free port from 5900 on, so runs can overlap.
	cat >"$OUT/bochsrc" <<-EOF
		# Written by tests/emu for one run.
		display_library: rfb, options="timeout=0"
		memory: guest=512, host=512
		cpu: model=${BOCHS_CPU:-corei7_skylake_x}, count=${BOCHS_CPUS:-2}, ips=${BOCHS_IPS:-50000000}, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
		vgaromimage: file=/usr/share/vgabios/vgabios.bin
		ata0-master: type=cdrom, path="$iso", status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev="$out/serial.log"
		clock: sync=none, time0=utc
		port_e9_hack: enabled=1
		panic: action=fatal
		log: "$out/bochs.log"
	EOF
	echo c >"$OUT/cont.rc"
	EMU_LOG=$OUT/bochs.log
	(cd "$OUT" && exec timeout -s KILL "$TIMEOUT" bochs-bin -q -f bochsrc -rc cont.rc \
		</dev/null >bochs.out 2>&1) &
	EMU_PID=$!
}

emu_start_qemu() {
	local iso out
	local -a args
	iso=$(emu_abs "$ISO") || return 1
	out=$(emu_abs "$OUT") || return 1
	# shellcheck disable=SC2054 # commas belong to QEMU option values
	args=(-machine q35 -accel tcg -m 512 -nic none -cdrom "$iso"
		-serial "file:$out/serial.log" -display none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
		-d cpu_reset -D "$out/qemu.log")
	case ${IOMMU:-0} in
	0) ;;
	1) args+=(-device intel-iommu) ;;
	*)
		echo "IOMMU must be 0 or 1, not '$IOMMU'" >&2
		return 1
		;;
	esac
	case ${TPM:-none} in
	none) ;;
	tis | crb)
		emu_start_swtpm "$out" || return 1
		# shellcheck disable=SC2054
		args+=(-chardev "socket,id=chrtpm,path=$EMU_TPM_SOCK"
			-tpmdev emulator,id=tpm0,chardev=chrtpm -device "tpm-$TPM,tpmdev=tpm0")
		;;
	*)
		echo "TPM must be none, tis or crb, not '$TPM'" >&2
		return 1
		;;
	esac
	args+=("${QEMU_ARGS[@]}")
	EMU_LOG=$OUT/qemu.log
	timeout -s KILL "$TIMEOUT" qemu-system-x86_64 "${args[@]}" \
		</dev/null >"$OUT/qemu.out" 2>&1 &
	EMU_PID=$!
}

# Start $EMU on $ISO in the background (see the inputs at the top).
emu_start() {
	: >"$OUT/serial.log"
	case $EMU in
	bochs) emu_start_bochs ;;
	qemu) emu_start_qemu ;;
	*)
		echo "EMU must be bochs or qemu, not '$EMU'" >&2
		return 1
		;;
	esac
}

# Is the emulator (its timeout(1) wrapper) still running? A zombie is not.
emu_alive() {
	local state
	[[ -n $EMU_PID && -r /proc/$EMU_PID/stat ]] || return 1
	# Fields: pid (comm) state ...; comm is "timeout", without spaces.
	read -r _ _ state _ </proc/"$EMU_PID"/stat 2>/dev/null || return 1
	[[ $state != Z ]]
}

# Stop what emu_start started: the emulator's whole process group (timeout(1)
# made itself its leader) and swtpm. Safe to call more than once.
emu_stop() {
	if [[ -n $EMU_PID ]]; then
		kill -KILL -- "-$EMU_PID" 2>/dev/null || kill -KILL "$EMU_PID" 2>/dev/null || true
		wait "$EMU_PID" 2>/dev/null || true
		EMU_PID=
	fi
	if [[ -n $SWTPM_PID ]]; then
		kill "$SWTPM_PID" 2>/dev/null || true
		wait "$SWTPM_PID" 2>/dev/null || true
		SWTPM_PID=
	fi
	if [[ -n ${EMU_TPM_SOCK:-} && $EMU_TPM_SOCK == /tmp/sdm-swtpm.* ]]; then
		rm -f -- "$EMU_TPM_SOCK"
	fi
}

# The triple-fault regex for the current emulator.
emu_triple_fault_re() {
	case $EMU in
	bochs) echo "$EMU_TRIPLE_FAULT_BOCHS" ;;
	qemu) echo "$EMU_TRIPLE_FAULT_QEMU" ;;
	esac
}

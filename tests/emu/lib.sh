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
#   TPM         none | tis | crb | bridge
#               tis, crb: QEMU only, swtpm behind tpm-tis / tpm-crb
#               bridge:   Bochs only, swtpm reached through COM2 (0x2F8,
#                         socket-client) and sdm-tpm-bridge; needs images
#                         with the bridge (build/emu/sinit.elf, dommgr.elf)
#   TPM12       0 | 1                    (1: swtpm is a TPM 1.2; not with crb)
#   IOMMU       0 | 1                    (QEMU only: -device intel-iommu)
# Outputs: EMU_PID (the timeout(1) process, leader of the emulator's own
# process group), SWTPM_PID, BRIDGE_PID, EMU_LOG (the emulator's own log).
# Artefacts in OUT: serial.log (COM1), bochs.log + bochs.out (Bochs log and
# console) or qemu.log (-d cpu_reset) + qemu.out (QEMU's messages),
# swtpm.log and tpm/ (swtpm state), bridge.log (+ bridge.out), bochsrc and
# cont.rc.
#
# The TPM outlives the emulator: swtpm keeps its state until emu_stop, so
# emu_tpm_collect can read the PCRs the run left (pcrs.txt), and
# emu_tpm_eventlog extracts the event log dommgr printed (eventlog.bin).
# QEMU sends swtpm CMD_SHUTDOWN when it exits by itself, which ends swtpm
# and loses the PCRs; so with a TPM, QEMU runs with -no-shutdown and
# -trace runstate_set, emu_alive says "stopped" once the guest powered off
# (or reset: -no-reboot), and the harness kills QEMU (SIGKILL: no
# CMD_SHUTDOWN). swtpm's unixio control channel cannot read PCRs and
# swtpm refuses QEMU's data channel when it also has a TCP server, so
# emu_tpm_collect has swtpm store its volatile state, shuts it down and
# starts a second swtpm on the same state directory with TCP data and
# control channels (swtpm-read.log), which tpm2-tss's swtpm TCTI (TPM 2.0)
# or TrouSerS' tcsd (TPM 1.2, tcsd.log) reads.

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
BRIDGE_PID=
TCSD_PID=
EMU_LOG=
EMU_TPM_SOCK=
EMU_SWTPM_PORT=
EMU_TCSD_PORT=
EMU_POWERED_OFF=0
EMU_STATUS=0
EMU_TPM_ERROR=
BRIDGE=$B/bin/sdm-tpm-bridge
# PCRs read after a run: the DRTM PCRs that sinit and dommgr extend.
EMU_TPM_PCRS=17,18,19,20
# QEMU's trace line when the machine stops at power-off or reset.
# (-msg timestamp=on puts "PID@TIME:" before the event name.)
EMU_QEMU_STOPPED_RE='(^|:)runstate_set .* new_state [0-9]+ \(shutdown\)'

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

# The TPM family option of swtpm: --tpm2 unless TPM12=1.
emu_swtpm_family() {
	case ${TPM12:-0} in
	0) echo --tpm2 ;;
	1) ;;
	*)
		echo "TPM12 must be 0 or 1, not '$TPM12'" >&2
		return 1
		;;
	esac
}

# emu_listening PID PORT: does process PID hold a listening TCP socket on
# PORT (IPv4 or IPv6)? Read from /proc, so no other tool is needed.
emu_listening() {
	local hex inode fd link
	local -A want=()
	hex=$(printf ':%04X' "$2")
	# Fields: sl local_address rem_address st ... inode (10th); st 0A is
	# LISTEN. One awk pass: bash's read on a procfs file is quadratic.
	while read -r inode; do
		want["socket:[$inode]"]=1
	done < <(awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null)
	((${#want[@]} > 0)) || return 1
	for fd in /proc/"$1"/fd/*; do
		link=$(readlink -- "$fd" 2>/dev/null) || continue
		[[ -n ${want[$link]:-} ]] && return 0
	done
	return 1
}

# emu_err MSG: say why a TPM step failed, on stderr and in EMU_TPM_ERROR.
emu_err() {
	EMU_TPM_ERROR=$1
	echo "$1" >&2
}

# A random even port in 20000-59998 (the odd one above it is its pair).
emu_random_port() {
	echo $((20000 + (RANDOM * 32768 + RANDOM) % 20000 * 2))
}

# emu_kill_wait PID: SIGTERM, then SIGKILL if PID is still there after 2 s.
emu_kill_wait() {
	local i
	kill "$1" 2>/dev/null || return 0
	for ((i = 0; i < 20; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# emu_wait_exit PID SECONDS: wait for PID (a child) to exit by itself;
# sets EMU_WAIT_STATUS; returns 1 if it is still running after SECONDS.
emu_wait_exit() {
	local i
	EMU_WAIT_STATUS=0
	for ((i = 0; i < $2 * 10; i++)); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1" 2>/dev/null || EMU_WAIT_STATUS=$?
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# swtpm for QEMU: the control channel on a unix socket, over which QEMU
# passes the data channel. No --terminate: swtpm must outlive QEMU.
emu_start_swtpm() {
	local dir=$1 sock=$1/swtpm.sock i family
	family=$(emu_swtpm_family) || return 1
	if ((${#sock} > 100)); then # sun_path holds 108 bytes
		sock=$(mktemp -u /tmp/sdm-swtpm.XXXXXX.sock)
	fi
	mkdir -p "$dir/tpm"
	# shellcheck disable=SC2086 # $family is one word or none
	swtpm socket $family --tpmstate dir="$dir/tpm" --ctrl type=unixio,path="$sock" \
		--log file="$dir/swtpm.log",level=5 </dev/null >>"$dir/swtpm.log" 2>&1 &
	SWTPM_PID=$!
	EMU_TPM_SOCK=$sock
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
}

# emu_start_swtpm_tcp DIR LOG FLAGS: swtpm on $DIR/tpm with its data channel
# on 127.0.0.1:P and its control channel on P+1, for a free even P (tried
# until swtpm itself holds both ports). Sets SWTPM_PID, EMU_SWTPM_PORT.
emu_start_swtpm_tcp() {
	local dir=$1 log=$2 flags=$3 family p pid try i
	family=$(emu_swtpm_family) || return 1
	mkdir -p "$dir/tpm"
	for ((try = 0; try < 10; try++)); do
		p=$(emu_random_port)
		# shellcheck disable=SC2086 # $family is one word or none
		swtpm socket $family --tpmstate dir="$dir/tpm" \
			--server type=tcp,port="$p",bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((p + 1)),bindaddr=127.0.0.1 \
			--flags "$flags" --log file="$log",level=5 </dev/null >>"$log" 2>&1 &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			if emu_listening "$pid" "$p" && emu_listening "$pid" $((p + 1)); then
				SWTPM_PID=$pid EMU_SWTPM_PORT=$p
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break # a port was taken: next pair
			sleep 0.05
		done
		emu_kill_wait "$pid"
	done
	emu_err "cannot start swtpm on a free pair of TCP ports (10 tries); see $log"
	return 1
}

# emu_tpm_setup: the scenario's TPM_SETUP() against a swtpm of its own on
# $OUT/tpm (TCP, started up), stopped before the emulator's swtpm opens the
# same state. TPM_SETUP_TCTI tells tpm2-tss (and sdm --tcti) where it is.
emu_tpm_setup() {
	local rc=0 pid
	emu_start_swtpm_tcp "$OUT" "$OUT/swtpm-setup.log" not-need-init,startup-clear || return 1
	pid=$SWTPM_PID
	TPM_SETUP_TCTI="swtpm:host=127.0.0.1,port=$EMU_SWTPM_PORT"
	export TPM_SETUP_TCTI
	# In the background so that set -e holds inside TPM_SETUP().
	TPM_SETUP >>"$OUT/tpm-setup.log" 2>&1 &
	wait $! || rc=$?
	emu_kill_wait "$pid"
	SWTPM_PID=""
	((rc == 0)) || echo "TPM_SETUP exited $rc" >>"$OUT/tpm-setup.log"
	return "$rc"
}

# The Bochs TPM: swtpm on TCP (startup-clear: TPM2_Startup / TPM_Startup
# done, as firmware would) and sdm-tpm-bridge listening for COM2.
# Sets SWTPM_PID, EMU_SWTPM_PORT, BRIDGE_PID, EMU_BRIDGE_PORT.
emu_start_bridge() {
	local out=$1 i
	if [[ ! -x $BRIDGE ]]; then
		echo "$BRIDGE is missing: run make first" >&2
		return 1
	fi
	emu_start_swtpm_tcp "$out" "$out/swtpm.log" not-need-init,startup-clear || return 1
	rm -f -- "$out/bridge.port"
	"$BRIDGE" --listen 0 --port-file "$out/bridge.port" \
		--tpm "127.0.0.1:$EMU_SWTPM_PORT" --ctrl "127.0.0.1:$((EMU_SWTPM_PORT + 1))" \
		--log "$out/bridge.log" </dev/null >>"$out/bridge.out" 2>&1 &
	BRIDGE_PID=$!
	for ((i = 0; i < 100; i++)); do
		if [[ -s $out/bridge.port ]]; then
			EMU_BRIDGE_PORT=$(<"$out/bridge.port")
			if [[ $EMU_BRIDGE_PORT =~ ^[1-9][0-9]*$ ]]; then
				return 0
			fi
		fi
		if ! kill -0 "$BRIDGE_PID" 2>/dev/null; then
			echo "sdm-tpm-bridge exited at start: $(tail -qn1 "$out/bridge.log" "$out/bridge.out" 2>/dev/null | tail -n1)" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "sdm-tpm-bridge did not listen within 5 s; see $out/bridge.log" >&2
	return 1
}

emu_start_bochs() {
	local iso out
	iso=$(emu_abs "$ISO") || return 1
	out=$(emu_abs "$OUT") || return 1
	local com2="# com2: none (TPM=none)"
	if [[ ${IOMMU:-0} != 0 ]]; then
		echo "Bochs has no IOMMU (IOMMU=$IOMMU); use QEMU" >&2
		return 1
	fi
	case ${TPM:-none} in
	none) ;;
	bridge)
		emu_start_bridge "$out" || return 1
		com2="com2: enabled=1, mode=socket-client, dev=localhost:$EMU_BRIDGE_PORT"
		;;
	*)
		echo "Bochs has no TPM device: TPM must be none or bridge, not '$TPM' (tis and crb are QEMU's)" >&2
		return 1
		;;
	esac
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
		$com2
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
		if [[ $TPM == crb && ${TPM12:-0} == 1 ]]; then
			echo "QEMU's tpm-crb is TPM 2.0 only: TPM12=1 needs TPM=tis" >&2
			return 1
		fi
		emu_start_swtpm "$out" || return 1
		# -no-shutdown: at power-off (and, with -no-reboot, reset) QEMU
		# stops instead of exiting and telling swtpm to shut down;
		# emu_alive sees the stop in the runstate_set trace.
		# shellcheck disable=SC2054
		args+=(-chardev "socket,id=chrtpm,path=$EMU_TPM_SOCK"
			-tpmdev emulator,id=tpm0,chardev=chrtpm -device "tpm-$TPM,tpmdev=tpm0"
			-no-shutdown -trace runstate_set)
		;;
	*)
		echo "QEMU: TPM must be none, tis or crb, not '$TPM' (bridge is Bochs's)" >&2
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
	EMU_POWERED_OFF=0 EMU_STATUS=0
	case $EMU in
	bochs) emu_start_bochs ;;
	qemu) emu_start_qemu ;;
	*)
		echo "EMU must be bochs or qemu, not '$EMU'" >&2
		return 1
		;;
	esac
}

# Is the emulator (its timeout(1) wrapper) still running? A zombie is not,
# and neither is a QEMU with a TPM that stopped at power-off or reset
# (EMU_POWERED_OFF=1; emu_reap kills it).
emu_alive() {
	local state
	[[ -n $EMU_PID && -r /proc/$EMU_PID/stat ]] || return 1
	# Fields: pid (comm) state ...; comm is "timeout", without spaces.
	read -r _ _ state _ </proc/"$EMU_PID"/stat 2>/dev/null || return 1
	[[ $state != Z ]] || return 1
	if [[ $EMU == qemu && ${TPM:-none} != none && -f $EMU_LOG ]] &&
		grep -Eqa -e "$EMU_QEMU_STOPPED_RE" "$EMU_LOG"; then
		EMU_POWERED_OFF=1
		return 1
	fi
}

# Once emu_alive said no: reap the emulator (killing a QEMU stopped at
# power-off). EMU_STATUS: its exit status, 0 for a stopped QEMU.
emu_reap() {
	EMU_STATUS=0
	[[ -n $EMU_PID ]] || return 0
	if ((EMU_POWERED_OFF)); then
		emu_stop_emulator
		return 0
	fi
	wait "$EMU_PID" 2>/dev/null || EMU_STATUS=$?
	EMU_PID= # reaped: nothing left to kill
}

# Stop the emulator: its whole process group (timeout(1) made itself its
# leader), with SIGKILL so that QEMU does not shut swtpm down. The TPM
# stays up for emu_tpm_collect. Safe to call more than once.
emu_stop_emulator() {
	if [[ -n $EMU_PID ]]; then
		kill -KILL -- "-$EMU_PID" 2>/dev/null || kill -KILL "$EMU_PID" 2>/dev/null || true
		wait "$EMU_PID" 2>/dev/null || true
		EMU_PID=
	fi
}

# Stop everything emu_start and emu_tpm_collect started: the emulator, the
# bridge, swtpm, tcsd. Safe to call more than once.
emu_stop() {
	local p
	emu_stop_emulator
	for p in "$BRIDGE_PID" "$TCSD_PID" "$SWTPM_PID"; do
		[[ -n $p ]] && emu_kill_wait "$p"
	done
	BRIDGE_PID='' TCSD_PID='' SWTPM_PID=''
	if [[ -n $EMU_TPM_SOCK && $EMU_TPM_SOCK == /tmp/sdm-swtpm.* ]]; then
		rm -f -- "$EMU_TPM_SOCK"
	fi
}

# emu_tpm_eventlog: the last complete event log dommgr printed on the
# serial console, into $OUT/eventlog.bin (tests/emu/extract-eventlog).
# Prints extract-eventlog's line; its exit status: 0 extracted, 1 broken,
# 3 none in the log.
emu_tpm_eventlog() {
	rm -f -- "$OUT/eventlog.bin"
	tests/emu/extract-eventlog "$OUT/serial.log" "$OUT/eventlog.bin"
}

# tcsd (TrouSerS) in front of the TCP swtpm at EMU_SWTPM_PORT, for a TPM
# 1.2. Its config must belong to root:tss, mode 0640, and its storage must
# be the tss user's: this needs root. Sets TCSD_PID, EMU_TCSD_PORT.
emu_start_tcsd() {
	local dir=$OUT/tcsd p pid try i
	if ! command -v tcsd >/dev/null || ! getent passwd tss >/dev/null; then
		emu_err "a TPM 1.2 is read through TrouSerS: tcsd and the tss user are missing (apt-get install trousers libtspi1)"
		return 1
	fi
	mkdir -p -- "$dir/ps"
	if ! chown tss:tss "$dir/ps" || ! chmod 0700 "$dir/ps" || ! chmod 0755 "$dir"; then
		emu_err "tcsd setup: cannot give $dir/ps to the tss user (tcsd needs root)"
		return 1
	fi
	for ((try = 0; try < 10; try++)); do
		p=$(emu_random_port)
		printf 'port = %s\nsystem_ps_file = %s/ps/system.data\n' "$p" "$(realpath -- "$dir")" \
			>"$dir/tcsd.conf"
		if ! chown root:tss "$dir/tcsd.conf" || ! chmod 0640 "$dir/tcsd.conf"; then
			emu_err "tcsd setup: cannot make $dir/tcsd.conf root:tss 0640 (tcsd needs root)"
			return 1
		fi
		TCSD_TCP_DEVICE_HOSTNAME=127.0.0.1 TCSD_TCP_DEVICE_PORT=$EMU_SWTPM_PORT \
			tcsd -f -e -c "$dir/tcsd.conf" </dev/null >>"$OUT/tcsd.log" 2>&1 &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			if emu_listening "$pid" "$p"; then
				TCSD_PID=$pid EMU_TCSD_PORT=$p
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		emu_kill_wait "$pid"
	done
	emu_err "cannot start tcsd on a free port (10 tries); see $OUT/tcsd.log"
	return 1
}

# emu_tpm_collect: after the emulator stopped, read the TPM's PCRs
# EMU_TPM_PCRS (every active bank) into $OUT/pcrs.txt with `sdm tpm pcrs`.
# Progress goes to stderr; when the PCRs cannot be read, returns 1 with
# the reason in EMU_TPM_ERROR (and on stderr).
emu_tpm_collect() {
	local -a cmd
	rm -f -- "$OUT/pcrs.txt"
	if [[ ! -x $SDM ]]; then
		emu_err "$SDM is missing: run make first"
		return 1
	fi
	case ${TPM:-none} in
	tis | crb)
		if [[ -z $SWTPM_PID ]] || ! kill -0 "$SWTPM_PID" 2>/dev/null; then
			emu_err "swtpm ended with QEMU (did QEMU exit by itself and shut it down?): the PCRs are gone; see $OUT/swtpm.log"
			return 1
		fi
		# Over the control channel QEMU let go of: store the volatile
		# state (PCRs included) in tpm/, and end this swtpm.
		if ! timeout 10 swtpm_ioctl --unix "$EMU_TPM_SOCK" -v >&2; then
			emu_err "swtpm_ioctl -v (store volatile state) failed; see $OUT/swtpm.log"
			return 1
		fi
		if ! timeout 10 swtpm_ioctl --unix "$EMU_TPM_SOCK" -s >&2 ||
			! emu_wait_exit "$SWTPM_PID" 5; then
			emu_err "swtpm_ioctl -s (shutdown) did not end swtpm; see $OUT/swtpm.log"
			return 1
		fi
		SWTPM_PID=
		# A second swtpm on the same state, reachable over TCP. No
		# startup flag: the restored state is already started.
		emu_start_swtpm_tcp "$OUT" "$OUT/swtpm-read.log" not-need-init || return 1
		;;
	bridge)
		# Bochs has gone: the bridge sees the disconnect and exits 0,
		# and lets go of swtpm's control channel.
		if [[ -n $BRIDGE_PID ]]; then
			if emu_wait_exit "$BRIDGE_PID" 3; then
				echo "sdm-tpm-bridge exited with status $EMU_WAIT_STATUS" >&2
			else
				echo "sdm-tpm-bridge still running 3 s after Bochs ended: stopped" >&2
				emu_kill_wait "$BRIDGE_PID"
			fi
			BRIDGE_PID=
		fi
		if [[ -z $SWTPM_PID ]] || ! kill -0 "$SWTPM_PID" 2>/dev/null; then
			emu_err "swtpm is gone: the PCRs cannot be read; see $OUT/swtpm.log"
			return 1
		fi
		;;
	*)
		emu_err "TPM=${TPM:-none}: no TPM to read"
		return 1
		;;
	esac
	if [[ ${TPM12:-0} == 1 ]]; then
		emu_start_tcsd || return 1
		cmd=("$SDM" tpm pcrs --tpm12 --tcsd "127.0.0.1:$EMU_TCSD_PORT" --pcrs "$EMU_TPM_PCRS")
	else
		cmd=("$SDM" tpm pcrs --tcti "swtpm:host=127.0.0.1,port=$EMU_SWTPM_PORT"
			--pcrs "$EMU_TPM_PCRS" --bank all)
	fi
	echo "reading PCRs: ${cmd[*]}" >&2
	if ! timeout 30 "${cmd[@]}" >"$OUT/pcrs.txt.tmp" 2>"$OUT/pcrs.err"; then
		cat -- "$OUT/pcrs.err" >&2
		emu_err "sdm tpm pcrs failed: $(tail -n1 "$OUT/pcrs.err")"
		return 1
	fi
	mv -f -- "$OUT/pcrs.txt.tmp" "$OUT/pcrs.txt"
	rm -f -- "$OUT/pcrs.err"
}

# The triple-fault regex for the current emulator.
emu_triple_fault_re() {
	case $EMU in
	bochs) echo "$EMU_TRIPLE_FAULT_BOCHS" ;;
	qemu) echo "$EMU_TRIPLE_FAULT_QEMU" ;;
	esac
}

/**
 * @module The container shim of the process runtime, a small conmon written for the system perl (perl-base
 * modules only): it holds a pod's PID namespace, starts a container in its own mount namespace with the
 * volumes bound at their mountPaths, writes its output as a CRI log with rotation, records its exit status,
 * and runs exec'd commands inside it. One shim process per container outlives agent restarts.
 */

/** Perl source of the shim; written to the runtime's state directory and run as `perl <file> <mode> <dir>`. */
export const SHIM_SCRIPT = String.raw`use strict;
use warnings;

# skiff container shim. Modes:
#   holder <dir>            start a PID-namespace holder (the pod sandbox's init); report its pid on fd 3
#   run <dir>               start the container described by <dir>, write its CRI log, record its exit
#   exec <dir> <pid> -- argv  run argv inside the running container <pid>
#   probe <dir>             check that namespaces, mounts and overlayfs work
#   spawner                 one per runtime: reads "<id> TAB holder|run TAB <dir> TAB <hex set-up>" lines on
#                           stdin and forks a holder or shim for each (no interpreter start per container),
#                           which first creates the directories and files the set-up lists; every line it
#                           writes on stdout starts with the request's id: "p <pid> <start>" from the forked
#                           process, then its handshake ("ok ..." or "err ..."), and "x <wait status>" once
#                           the forked process has exited
# Settings come from <dir>/shim.conf (key=value lines; repeated keys accumulate).

my $CLONE_NEWNS  = 0x00020000;
my $CLONE_NEWPID = 0x20000000;
my $MS_RDONLY    = 1;
my $MS_NOSUID    = 2;
my $MS_NODEV     = 4;
my $MS_NOEXEC    = 8;
my $MS_REMOUNT   = 32;
my $MS_BIND      = 4096;
my $MS_REC       = 16384;
my $MS_PRIVATE   = 1 << 18;
my $LINE_MAX     = 16 * 1024;
# Linux values, spelled out: loading POSIX and Fcntl would double the shim's start-up time.
my $O_WRONLY   = 1;
my $O_RDWR     = 2;
my $O_CREAT    = 64;
my $O_APPEND   = 1024;
my $F_GETFD    = 1;
my $F_SETFD    = 2;
my $FD_CLOEXEC = 1;
my $WNOHANG    = 1;

my $mode = shift @ARGV // '';
my $dir  = shift @ARGV // '';
my %conf;
my %list;
read_conf("$dir/shim.conf") if $dir ne '' && $mode ne 'spawner';
# Set in processes forked by the spawner: the handshake goes to the spawner's stdout, tagged.
my ($spawned_hs, $hs_tag) = (undef, '');
# The spawner's self-pipe: its SIGCHLD handler writes a byte there so that select wakes up.
my ($wake_r, $wake_w);

sub read_conf {
    my ($file) = @_;
    open(my $fh, '<', $file) or die "shim: cannot read $file: $!\n";
    while (my $l = <$fh>) {
        chomp $l;
        next if $l eq '' || $l =~ /^#/;
        my ($k, $v) = split /=/, $l, 2;
        $v //= '';
        $conf{$k} = $v;
        push @{ $list{$k} }, $v;
    }
    close $fh;
}

sub num { my ($k) = @_; my $v = $conf{$k}; return (defined $v && $v ne '') ? $v + 0 : undef }

sub sys_unshare {
    my ($flags) = @_;
    my $nr = num('sys_unshare');
    die "unshare: unsupported architecture\n" unless defined $nr;
    syscall($nr, $flags + 0) == 0 or die "unshare: $!\n";
}

sub sys_setns {
    my ($path, $type) = @_;
    my $nr = num('sys_setns');
    die "setns: unsupported architecture\n" unless defined $nr;
    open(my $fh, '<', $path) or die "open $path: $!\n";
    syscall($nr, fileno($fh) + 0, $type + 0) == 0 or die "setns $path: $!\n";
    close $fh;
}

sub sys_mount {
    my ($src, $target, $fstype, $flags, $data) = @_;
    my $nr = num('sys_mount');
    die "mount: unsupported architecture\n" unless defined $nr;
    my @a = map { defined $_ ? $_ : 0 } ($src, $target, $fstype);
    my $d = defined $data ? $data : 0;
    syscall($nr, $a[0], $a[1], $a[2], $flags + 0, $d) == 0
      or die 'mount ' . ($src // $fstype // '') . " on $target: $!\n";
}

my $have_hires;

sub now_ns {
    my $nr = num('sys_clock_gettime');
    if (defined $nr) {
        my $buf = "\0" x 16;
        if (syscall($nr, 0, $buf) == 0) {
            my ($s, $n) = unpack('q q', $buf);
            return ($s, $n);
        }
    }
    $have_hires //= eval { require Time::HiRes; 1 } ? 1 : 0;
    if ($have_hires) {
        my ($s, $us) = Time::HiRes::gettimeofday();
        return ($s, $us * 1000);
    }
    return (time(), 0);
}

# RFC 3339 with nanoseconds, trailing zeros dropped (Go's RFC3339Nano), in UTC.
sub ts {
    my ($s, $n) = now_ns();
    my $frac = sprintf('%09d', $n);
    $frac =~ s/0+$//;
    my @t = gmtime($s);
    return sprintf('%04d-%02d-%02dT%02d:%02d:%02d', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0])
      . ($frac eq '' ? '' : ".$frac") . 'Z';
}

sub proc_starttime {
    my ($p) = @_;
    open(my $fh, '<', "/proc/$p/stat") or return 0;
    my $l = <$fh> // '';
    close $fh;
    $l =~ s/^.*\) //s;
    my @f = split / /, $l;
    return $f[19] // 0;
}

sub ns_string { my ($s, $n) = now_ns(); return sprintf('%d%09d', $s, $n) }

sub write_file_atomic {
    my ($path, $content) = @_;
    my $tmp = "$path.tmp";
    open(my $fh, '>', $tmp) or die "write $tmp: $!\n";
    print $fh $content;
    close $fh or die "write $tmp: $!\n";
    rename($tmp, $path) or die "rename $tmp: $!\n";
}

sub read_nul_file {
    my ($path) = @_;
    open(my $fh, '<', $path) or die "read $path: $!\n";
    local $/;
    my $c = <$fh>;
    close $fh;
    $c //= '';
    $c =~ s/\0\z//;
    return $c eq '' ? () : split(/\0/, $c, -1);
}

sub read_env {
    my %e;
    for my $kv (read_nul_file("$dir/env")) {
        my ($k, $v) = split /=/, $kv, 2;
        $e{$k} = $v // '';
    }
    return \%e;
}

sub handshake_fd {
    return $spawned_hs if $spawned_hs;
    open(my $hs, '>&=', 3) or return undef;
    my $f = fcntl($hs, $F_GETFD, 0);
    fcntl($hs, $F_SETFD, ($f || 0) | $FD_CLOEXEC);
    select((select($hs), $| = 1)[0]);
    return $hs;
}

# One write per line, so that lines of processes sharing the spawner's pipe never interleave.
sub say_hs {
    my ($hs, $line) = @_;
    syswrite($hs, $hs_tag . $line) if $hs;
}

sub join_cgroups {
    for my $cg (@{ $list{cgroup} || [] }) {
        open(my $fh, '>>', "$cg/cgroup.procs") or die "cgroup $cg: $!\n";
        print $fh "0\n";
        close $fh or die "cgroup $cg: $!\n";
    }
}

# --- container filesystem -------------------------------------------------

my @writable;
my $scratch_mounted = 0;
my $overlays        = 0;

sub decode_mountinfo { my ($p) = @_; $p =~ s/\\([0-7]{3})/chr(oct($1))/ge; return $p }

sub mount_points {
    open(my $fh, '<', '/proc/self/mountinfo') or die "mountinfo: $!\n";
    my @m;
    while (my $l = <$fh>) {
        my @f = split / /, $l;
        push @m, decode_mountinfo($f[4]);
    }
    close $fh;
    return @m;
}

# Mount points strictly below $base that are not below another such mount point.
sub top_submounts {
    my ($base) = @_;
    my %seen;
    my @under = grep { index($_, "$base/") == 0 && !$seen{$_}++ } mount_points();
    my @top;
    for my $m (@under) {
        next if grep { $_ ne $m && index($m, "$_/") == 0 } @under;
        push @top, $m;
    }
    return @top;
}

# Resolves $path inside $root without leaving it (symlinks are resolved against $root).
# Returns the deepest existing host path and the components that do not exist yet.
sub resolve_in_root {
    my ($root, $path) = @_;
    my @todo = grep { $_ ne '' && $_ ne '.' } split m{/}, $path;
    my @done;
    my $links = 0;
    while (@todo) {
        my $c = shift @todo;
        if ($c eq '..') { pop @done; next }
        my $cur = join('/', $root, @done, $c);
        if (-l $cur) {
            die "too many levels of symbolic links in $path\n" if ++$links > 40;
            my $t = readlink($cur) // die "readlink $cur: $!\n";
            @done = () if $t =~ m{^/};
            unshift @todo, grep { $_ ne '' && $_ ne '.' } split m{/}, $t;
            next;
        }
        return (join('/', $root, @done), $c, @todo) unless -e $cur;
        push @done, $c;
    }
    return (join('/', $root, @done));
}

sub under_writable {
    my ($p) = @_;
    for my $w (@writable) { return 1 if $p eq $w || index($p, "$w/") == 0 }
    return 0;
}

sub ensure_scratch {
    return if $scratch_mounted;
    sys_mount('tmpfs', $conf{scratch}, 'tmpfs', $MS_NOSUID | $MS_NODEV, 'mode=0700');
    $scratch_mounted = 1;
}

# Covers $base with a writable overlay (upper layer on a private tmpfs) so that new entries
# can be created there without touching the host filesystem.
sub overlay {
    my ($base) = @_;
    die "cannot create a mount point under $base: ',' and ':' are not supported in paths\n" if $base =~ /[,:]/;
    ensure_scratch();
    my $d = "$conf{scratch}/ovl" . $overlays++;
    for my $x ($d, "$d/upper", "$d/work", "$d/merged") { mkdir $x or die "mkdir $x: $!\n" }
    sys_mount('overlay', "$d/merged", 'overlay', 0, "lowerdir=$base,upperdir=$d/upper,workdir=$d/work");
    for my $m (top_submounts($base)) {
        sys_mount($m, "$d/merged" . substr($m, length($base)), undef, $MS_BIND | $MS_REC, undef);
    }
    sys_mount("$d/merged", $base, undef, $MS_BIND | $MS_REC, undef);
    push @writable, $base;
}

# Makes sure $path exists inside $root as a directory (or a file), creating what is missing
# on an overlay or inside a volume. Returns the host path.
sub ensure_target {
    my ($root, $path, $want_dir) = @_;
    my ($base, @missing) = resolve_in_root($root, $path);
    if (!@missing) {
        die "$path: not a directory\n" if $want_dir && !-d $base;
        die "$path: is a directory\n" if !$want_dir && -d $base;
        return $base;
    }
    die "$path: '..' after a missing component\n" if grep { $_ eq '..' } @missing;
    overlay($base) unless under_writable($base);
    my $cur = $base;
    for my $i (0 .. $#missing) {
        $cur .= "/$missing[$i]";
        if ($i < $#missing || $want_dir) {
            mkdir $cur, 0755 or die "mkdir $path: $!\n";
        } else {
            open(my $fh, '>>', $cur) or die "create $path: $!\n";
            close $fh;
        }
    }
    return $cur;
}

sub setup_rootfs {
    my $root = $conf{rootfs};
    sys_unshare($CLONE_NEWNS);
    sys_mount(undef, '/', undef, $MS_REC | $MS_PRIVATE, undef);
    sys_mount('/', $root, undef, $MS_BIND | $MS_REC, undef);
    for my $h (@{ $list{hide} || [] }) {
        my ($p, @missing) = resolve_in_root($root, $h);
        next if @missing || !-d $p;
        sys_mount('tmpfs', $p, 'tmpfs', $MS_NOSUID | $MS_NODEV, 'mode=0755,size=64k');
        push @writable, $p;
    }
    for my $spec (@{ $list{mount} || [] }) {
        my ($access, $src, $dst) = split /\t/, $spec, 3;
        die "volume source $src: $!\n" unless -e $src;
        my $t = ensure_target($root, $dst, -d $src);
        sys_mount($src, $t, undef, $MS_BIND | $MS_REC, undef);
        sys_mount(undef, $t, undef, $MS_BIND | $MS_REMOUNT | $MS_RDONLY, undef) if $access eq 'ro';
        push @writable, $t;
    }
    if ($conf{pidns}) {
        my $p = ensure_target($root, '/proc', 1);
        sys_mount('proc', $p, 'proc', $MS_NOSUID | $MS_NODEV | $MS_NOEXEC, undef);
    }
    my $wd = $conf{workdir} || '/';
    ensure_target($root, $wd, 1);
    chroot($root) or die "chroot: $!\n";
    chdir($wd)    or die "chdir $wd: $!\n";
}

sub enter_fs {
    if ($conf{rootfs}) {
        setup_rootfs();
    } elsif ($conf{workdir}) {
        chdir($conf{workdir}) or die "chdir $conf{workdir}: $!\n";
    }
}

sub exec_argv {
    my @argv = @_;
    die "no command given\n" unless @argv;
    $ENV{PATH} //= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    die "exec $argv[0]: $!\n";
}

sub wait_status_code {
    my ($st) = @_;
    my $sig = $st & 127;
    return ($st >> 8, 0) if $sig == 0;
    return (128 + $sig, $sig);
}

# --- modes -----------------------------------------------------------------

sub mode_holder {
    my $hs = handshake_fd();
    sys_unshare($CLONE_NEWPID);
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        close $hs if $hs;
        chdir '/';
        $0 = 'skiff-sandbox ' . ($conf{name} // '');
        $SIG{CHLD} = sub { 1 while waitpid(-1, $WNOHANG) > 0 };
        $SIG{TERM} = $SIG{INT} = sub { exit 0 };
        $SIG{HUP} = 'IGNORE';
        sleep 3600 while 1;
    }
    my $st = proc_starttime($pid);
    write_file_atomic("$dir/holder", "$pid $st\n");
    say_hs($hs, "ok $pid $st\n");
    exit 0;
}

sub mode_probe {
    $| = 1;
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        my $ok = eval {
            sys_unshare($CLONE_NEWNS);
            sys_mount(undef, '/', undef, $MS_REC | $MS_PRIVATE, undef);
            sys_mount('tmpfs', $conf{scratch}, 'tmpfs', 0, 'mode=0700');
            1;
        };
        if (!$ok) { print "mount: $@"; exit 1 }
        my $ovl = eval {
            my $d = $conf{scratch};
            mkdir "$d/$_" for qw(upper work merged);
            sys_mount('overlay', "$d/merged", 'overlay', 0, "lowerdir=/,upperdir=$d/upper,workdir=$d/work");
            1;
        };
        print $ovl ? "overlay ok\n" : "overlay: $@";
        $ok = eval {
            sys_unshare($CLONE_NEWPID);
            my $c = fork() // die "fork: $!\n";
            if ($c == 0) { exit($$ == 1 ? 0 : 1) }
            waitpid($c, 0);
            die "pid namespace: not pid 1\n" if $? != 0;
            1;
        };
        if (!$ok) { print "pid: $@"; exit 1 }
        print "ok\n";
        exit 0;
    }
    waitpid($pid, 0);
    exit($? >> 8);
}

sub mode_exec {
    my $cpid = shift @ARGV;
    shift @ARGV if @ARGV && $ARGV[0] eq '--';
    my @argv = @ARGV;
    my $env = read_env();
    join_cgroups();
    if ($conf{rootfs}) {
        sys_setns("/proc/$cpid/ns/pid", $CLONE_NEWPID);
    }
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        my $ok = eval {
            if ($conf{rootfs}) {
                sys_setns("/proc/$cpid/ns/mnt", $CLONE_NEWNS);
                chroot($conf{rootfs}) or die "chroot: $!\n";
            }
            my $wd = $conf{workdir} || '/';
            chdir($wd) or die "chdir $wd: $!\n";
            %ENV = %$env;
            exec_argv(@argv);
        };
        my $err = $@;
        print STDERR $err;
        exit($err =~ /No such file/ ? 127 : 126);
    }
    for my $s (qw(TERM INT HUP QUIT)) {
        $SIG{$s} = sub { kill $s, $pid };
    }
    my $r;
    do { $r = waitpid($pid, 0) } while ($r == -1 && $!{EINTR});
    my ($code) = wait_status_code($?);
    exit $code;
}

my ($log_fh, $log_size, $log_path, $log_max, $log_keep);

# Returns false when the file cannot be opened (the container keeps running; its output is dropped).
sub open_log {
    undef $log_fh;
    my $fh;
    sysopen($fh, $log_path, $O_WRONLY | $O_APPEND | $O_CREAT, 0640) or return 0;
    $log_fh   = $fh;
    $log_size = -s $fh // 0;
    return 1;
}

sub rotate_log {
    close $log_fh if $log_fh;
    my @t = gmtime();
    my $stamp = sprintf('%04d%02d%02d-%02d%02d%02d', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
    my $target = "$log_path.$stamp";
    my $n = 0;
    $target = "$log_path.$stamp." . ++$n while -e $target;
    rename($log_path, $target);
    open_log();
    if ($log_keep >= 1) {
        my ($d, $b) = $log_path =~ m{^(.*)/([^/]+)$};
        opendir(my $dh, $d) or return;
        my @old = sort grep { /^\Q$b\E\.\d{8}-\d{6}(?:\.\d+)?$/ } readdir($dh);
        closedir $dh;
        @old = sort { rotated_key($a) cmp rotated_key($b) } @old;
        while (@old > $log_keep - 1) { my $x = shift @old; unlink "$d/$x" }
    }
}

sub rotated_key { my ($n) = @_; my ($s, $c) = $n =~ /\.(\d{8}-\d{6})(?:\.(\d+))?$/; return sprintf('%s.%06d', $s, $c // 0) }

sub log_record {
    my ($stream, $tag, $data) = @_;
    return unless $log_fh || open_log();
    my $rec = ts() . " $stream $tag $data\n";
    my $off = 0;
    while ($off < length $rec) {
        my $w = syswrite($log_fh, $rec, length($rec) - $off, $off);
        if (!defined $w) { next if $!{EINTR}; last }
        $off += $w;
    }
    $log_size += length $rec;
    rotate_log() if $log_max > 0 && $log_size >= $log_max;
}

my %pending = (stdout => '', stderr => '');

sub feed {
    my ($stream, $chunk) = @_;
    $pending{$stream} .= $chunk;
    while ((my $i = index($pending{$stream}, "\n")) >= 0) {
        my $line = substr($pending{$stream}, 0, $i + 1, '');
        chop $line;
        chop $line if substr($line, -1) eq "\r";
        while (length($line) > $LINE_MAX) { log_record($stream, 'P', substr($line, 0, $LINE_MAX, '')) }
        log_record($stream, 'F', $line);
    }
    while (length($pending{$stream}) > $LINE_MAX) {
        log_record($stream, 'P', substr($pending{$stream}, 0, $LINE_MAX, ''));
    }
}

sub kill_rest {
    my ($pid) = @_;
    kill 'KILL', -$pid;
    for my $cg (@{ $list{cgroup} || [] }) {
        open(my $fh, '<', "$cg/cgroup.procs") or next;
        my @p = grep { /^\d+$/ } map { chomp; $_ } <$fh>;
        close $fh;
        kill 'KILL', @p if @p;
    }
}

sub mode_run {
    my $hs = handshake_fd();
    $0 = 'skiff-shim ' . ($conf{id} // '');
    $SIG{PIPE} = 'IGNORE';
    $SIG{HUP}  = 'IGNORE';
    $log_path = $conf{log};
    $log_max  = num('log_max_bytes') // 0;
    $log_keep = num('log_max_files') // 0;
    open_log() or die "open $log_path: $!\n";
    my @argv = read_nul_file("$dir/argv");
    my $env  = read_env();
    pipe(my $out_r, my $out_w) or die "pipe: $!\n";
    pipe(my $err_r, my $err_w) or die "pipe: $!\n";
    pipe(my $st_r,  my $st_w)  or die "pipe: $!\n";
    my $in;
    if (($conf{stdin} // '') ne '') {
        my $fifo = $conf{stdin};
        require POSIX;
        POSIX::mkfifo($fifo, 0600) or $!{EEXIST} or die "mkfifo $fifo: $!\n";
        sysopen($in, $fifo, $O_RDWR) or die "open $fifo: $!\n";
    } else {
        open($in, '<', '/dev/null') or die "open /dev/null: $!\n";
    }
    sys_setns($conf{pidns}, $CLONE_NEWPID) if $conf{pidns};
    my $child_exited = 0;
    $SIG{CHLD} = sub { $child_exited = 1 };
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
        $SIG{CHLD} = 'DEFAULT';
        close $out_r;
        close $err_r;
        close $st_r;
        my $ok = eval {
            setpgrp(0, 0) or die "setpgid: $!\n";
            join_cgroups();
            enter_fs();
            open(STDIN,  '<&', $in)    or die "dup stdin: $!\n";
            open(STDOUT, '>&', $out_w) or die "dup stdout: $!\n";
            open(STDERR, '>&', $conf{tty} ? $out_w : $err_w) or die "dup stderr: $!\n";
            $SIG{$_} = 'DEFAULT' for qw(PIPE HUP);
            %ENV = %$env;
            exec_argv(@argv);
        };
        my $err = $@ || "exec failed\n";
        syswrite($st_w, $err);
        exit 127;
    }
    close $out_w;
    close $err_w;
    close $st_w;
    my $failure = '';
    while (1) {
        my $n = sysread($st_r, my $buf, 4096);
        if (!defined $n) { next if $!{EINTR}; last }
        last if $n == 0;
        $failure .= $buf;
    }
    close $st_r;
    if ($failure ne '') {
        waitpid($pid, 0);
        chomp $failure;
        $failure =~ s/\n/ /g;
        write_file_atomic("$dir/exit",
            "exit_code=128\nsignal=0\nfinished_ns=" . ns_string() . "\nreason=ContainerCannotRun\nmessage=$failure\n");
        say_hs($hs, "err $failure\n");
        exit 0;
    }
    my $started = ns_string();
    my $st      = proc_starttime($pid);
    write_file_atomic("$dir/pid", "$pid $started $st $$ " . proc_starttime($$) . "\n");
    if ($hs) { say_hs($hs, "ok $pid $started $st\n"); close $hs; undef $spawned_hs }

    my %open = (stdout => $out_r, stderr => $err_r);
    my ($status, $deadline);
    while (%open) {
        if (!defined $status) {
            my $r = waitpid($pid, $WNOHANG);
            if ($r == $pid) {
                $status = $?;
                $deadline = time() + 2;
                kill_rest($pid);
            }
        }
        last if defined $deadline && time() > $deadline;
        my $rin = '';
        vec($rin, fileno($open{$_}), 1) = 1 for keys %open;
        my $nfound = select(my $rout = $rin, undef, undef, defined $status ? 0.2 : 1.0);
        next if $nfound <= 0;
        for my $s (keys %open) {
            next unless vec($rout, fileno($open{$s}), 1);
            my $n = sysread($open{$s}, my $buf, 65536);
            next if !defined $n && $!{EINTR};
            if (!$n) { close $open{$s}; delete $open{$s}; next }
            feed($s, $buf);
        }
    }
    if (!defined $status) {
        my $r;
        do { $r = waitpid($pid, 0) } while ($r == -1 && $!{EINTR});
        $status = $?;
        kill_rest($pid);
    }
    my $finished = ns_string();
    for my $s (qw(stdout stderr)) {
        log_record($s, 'P', $pending{$s}) if $pending{$s} ne '';
    }
    my ($code, $sig) = wait_status_code($status);
    write_file_atomic("$dir/exit", "exit_code=$code\nsignal=$sig\nfinished_ns=$finished\n");
    exit 0;
}

# Runs in a process just forked by the spawner: becomes what a fresh "perl shim <mode> <dir>" would be.
# The set-up of a spawned process: "d TAB <path> LF" creates a directory (and its parents),
# "f TAB <length> TAB <path> LF <bytes>" writes a file (to <path>.tmp, then renamed).
sub apply_setup {
    my ($blob) = @_;
    my $off = 0;
    while ($off < length $blob) {
        my $nl = index($blob, "\n", $off);
        die "set-up: truncated\n" if $nl < 0;
        my @f = split /\t/, substr($blob, $off, $nl - $off), 3;
        $off = $nl + 1;
        if ($f[0] eq 'd') {
            my $p = $f[1] =~ m{^/} ? '' : '.';
            for my $c (grep { $_ ne '' } split m{/}, $f[1]) {
                $p .= "/$c";
                mkdir $p or $!{EEXIST} or die "mkdir $p: $!\n";
            }
        } elsif ($f[0] eq 'f') {
            my $data = substr($blob, $off, $f[1]);
            $off += $f[1];
            write_file_atomic($f[2], $data);
        } else {
            die "set-up: unknown entry $f[0]\n";
        }
    }
}

sub spawned {
    my ($id, $m, $d, $setup) = @_;
    $SIG{CHLD} = 'DEFAULT';
    $SIG{PIPE} = 'IGNORE';
    close $wake_r;
    close $wake_w;
    POSIX::setsid();
    open(my $hs, '>&', \*STDOUT) or exit 1;
    my $f = fcntl($hs, $F_GETFD, 0);
    fcntl($hs, $F_SETFD, ($f || 0) | $FD_CLOEXEC);
    ($spawned_hs, $hs_tag) = ($hs, "$id ");
    say_hs($hs, "p $$ " . proc_starttime($$) . "\n");
    my $ok = eval { apply_setup(pack('H*', $setup // '')); 1 };
    if (!$ok) {
        my $e = $@;
        chomp $e;
        $e =~ s/\n/ /g;
        say_hs($hs, "err could not set up $d: $e\n");
        exit 1;
    }
    $ok = eval {
        open(STDIN, '<', '/dev/null') or die "stdin: $!\n";
        my $out = $m eq 'run' ? "$d/shim.log" : '/dev/null';
        open(STDOUT, '>>', $out) or die "open $out: $!\n";
        open(STDERR, '>&', \*STDOUT) or die "dup stderr: $!\n";
        $dir = $d;
        read_conf("$dir/shim.conf");
        if    ($m eq 'run')    { mode_run() }
        elsif ($m eq 'holder') { mode_holder() }
        else                   { die "spawner: unknown mode $m\n" }
        1;
    };
    print STDERR $@ if !$ok && $@;
    exit($ok ? 0 : 1);
}

sub mode_spawner {
    require POSIX;
    $0 = 'skiff-spawner';
    $SIG{PIPE} = 'IGNORE';
    $SIG{HUP}  = 'IGNORE';
    pipe($wake_r, $wake_w) or die "pipe: $!\n";
    my $woke = 0;
    # Children are reaped in the loop below, never in the handler (which may run in the middle of it).
    $SIG{CHLD} = sub { syswrite($wake_w, 'c') unless $woke++ };
    my %kids;
    my $buf = '';
    while (1) {
        $woke = 0;
        while ((my $p = waitpid(-1, $WNOHANG)) > 0) {
            my $id = delete $kids{$p};
            syswrite(STDOUT, "$id x $?\n") if defined $id;
        }
        my $rin = '';
        vec($rin, 0, 1) = 1;
        vec($rin, fileno($wake_r), 1) = 1;
        my $n = select(my $rout = $rin, undef, undef, 5.0);
        next if $n <= 0;
        sysread($wake_r, my $junk, 4096) if vec($rout, fileno($wake_r), 1);
        next unless vec($rout, 0, 1);
        my $r = sysread(STDIN, $buf, 65536, length $buf);
        if (!defined $r) { next if $!{EINTR}; last }
        last if $r == 0;
        while ((my $i = index($buf, "\n")) >= 0) {
            my $line = substr($buf, 0, $i + 1, '');
            chop $line;
            my ($id, $m, $d, $setup) = split /\t/, $line, 4;
            next unless defined $d && $id =~ /^\w+$/;
            my $pid = fork();
            if (!defined $pid) { syswrite(STDOUT, "$id x -1\n"); next }
            spawned($id, $m, $d, $setup) if $pid == 0;
            $kids{$pid} = $id;
        }
    }
    exit 0;
}

my %modes = (
    holder  => \&mode_holder,
    run     => \&mode_run,
    exec    => \&mode_exec,
    probe   => \&mode_probe,
    spawner => \&mode_spawner,
);
my $fn = $modes{$mode} or die "usage: shim holder|run|exec|probe <dir> ...\n";
$fn->();
`;

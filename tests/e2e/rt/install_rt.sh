#!/usr/bin/env bash
# Install (from Debian packages), initialise and start a throw-away Request
# Tracker 5 on 127.0.0.1 for Wishbridge's end-to-end tests.
#
#   tests/e2e/rt/install_rt.sh          install if needed, fresh DB, start
#   tests/e2e/rt/install_rt.sh stop     stop the server started from $RT_HOME
#
# Env: RT_HOME (default /tmp/wishbridge-rt), RT_PORT (default 8980),
#      RT_USER_TIMEZONE (default America/New_York, the wishbridge user's zone:
#      TicketSQL reads absolute dates in it),
#      WISHBRIDGE_WEBHOOK_URL (e.g. http://127.0.0.1:8081): when set, the Scrip
#      of connectors/rt_webhook_scrip.pl posts every change there,
#      RT_REUSE_DB=1 keeps an existing, completely seeded $RT_HOME/rt.db.
# Last lines of output: RT_URL=..., RT_TOKEN=... and RT_AGENT_TOKEN=... (user
# `agent`, whose changes the Scrip reports; the bridge's own are skipped).
# Needs root (apt-get) only when the packages are not installed yet.
set -euo pipefail

RT_HOME="${RT_HOME:-/tmp/wishbridge-rt}"
RT_PORT="${RT_PORT:-8980}"
RT_USER_NAME="wishbridge"
RT_USER_PASSWORD="${RT_USER_PASSWORD:-wishbridge-e2e-password}"
RT_USER_TIMEZONE="${RT_USER_TIMEZONE:-America/New_York}"
SCRIP_CODE="$(cd "$(dirname "$0")/../../.." && pwd)/connectors/rt_webhook_scrip.pl"
RT_PACKAGES=(request-tracker5 rt5-db-sqlite rt5-standalone)
RT_SERVER_BIN=/usr/share/request-tracker5/libexec/rt-server
RT_SETUP_DB=/usr/sbin/rt-setup-database-5
PID_FILE="$RT_HOME/rt.pid"
URL="http://127.0.0.1:${RT_PORT}"

log() { echo "[install_rt] $*" >&2; }
die() { echo "[install_rt] ERROR: $*" >&2; exit 1; }

# Our own site config; nothing from /etc/request-tracker5 is read.
export RT_SITE_CONFIG="$RT_HOME/RT_SiteConfig.pm"
export RT_SITE_CONFIG_DIR="$RT_HOME/RT_SiteConfig.d"

stop_server() {
    local pid
    [ -f "$PID_FILE" ] || return 0
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    # Only signal the pid if it still is our rt-server (not a reused pid).
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q rt-server; then
        log "stopping rt-server (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        # rt-server was started by setsid, so its pid is also its process
        # group: anything left of that group (master or workers) gets KILL.
        if kill -0 -- "-$pid" 2>/dev/null; then
            log "rt-server did not stop on TERM, sending KILL"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$PID_FILE"
}

if [ "${1:-}" = "stop" ]; then
    stop_server
    exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [stop]"

# ---------------------------------------------------------------- packages
packages_installed() {
    local p
    for p in "${RT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || return 1
    done
    [ -x "$RT_SERVER_BIN" ] && [ -x "$RT_SETUP_DB" ]
}

install_packages() {
    [ "$(id -u)" -eq 0 ] || die "request-tracker5 is not installed and we are not root"
    export DEBIAN_FRONTEND=noninteractive
    # apt-get update only when the lists do not know the packages yet.
    if ! apt-cache show request-tracker5 rt5-db-sqlite rt5-standalone >/dev/null 2>&1; then
        log "apt-get update"
        apt-get update -qq
    fi
    # Preseed debconf: SQLite, and no database created by dbconfig-common (we
    # make our own in $RT_HOME), no cron jobs, no questions.
    debconf-set-selections <<'EOF'
request-tracker5 request-tracker5/dbconfig-install boolean false
request-tracker5 request-tracker5/dbconfig-reinstall boolean false
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/handle-siteconfig-permissions boolean true
request-tracker5 request-tracker5/rtname string wishbridge-e2e
request-tracker5 request-tracker5/organization string wishbridge-e2e
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1
request-tracker5 request-tracker5/webpath string /rt
request-tracker5 request-tracker5/correspondaddress string rt@localhost
request-tracker5 request-tracker5/commentaddress string rt-comment@localhost
dbconfig-common dbconfig-common/remember-admin-pass boolean false
dbconfig-common dbconfig-common/dbconfig-install boolean false
EOF
    local extra=()
    # request-tracker5 needs "default-mta | mail-transport-agent".  When the
    # machine has none, take msmtp-mta (no daemon) instead of exim4; never
    # replace an MTA that is already there.
    if ! dpkg-query -W -f='${Provides}\n' 2>/dev/null | grep -qw mail-transport-agent \
        && [ ! -e /usr/sbin/sendmail ]; then
        extra+=(msmtp-mta)
    fi
    local apt_log="${TMPDIR:-/tmp}/wishbridge-rt-apt.log"
    apt_install() {
        apt-get install -y -q --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${RT_PACKAGES[@]}" "${extra[@]}" >"$apt_log" 2>&1
    }
    log "apt-get install ${RT_PACKAGES[*]} ${extra[*]:-} (log: $apt_log)"
    if ! apt_install; then
        # Stale package lists (a version gone from the mirror): update once, retry.
        log "apt-get install failed; apt-get update and retry"
        apt-get update -qq
        apt_install || { tail -n 40 "$apt_log" >&2; die "apt-get install failed"; }
    fi
}

if packages_installed; then
    log "Request Tracker 5 packages already installed"
else
    install_packages
    packages_installed || die "Request Tracker 5 packages still missing after apt-get install"
fi

# ------------------------------------------------------------ configuration
stop_server
mkdir -p "$RT_HOME" "$RT_SITE_CONFIG_DIR" "$RT_HOME/mason_data" "$RT_HOME/session_data"

# A port still taken (by something else) would make rt-server fail later.
if (exec 3<>"/dev/tcp/127.0.0.1/$RT_PORT") 2>/dev/null; then
    die "127.0.0.1:$RT_PORT is already in use (set RT_PORT to another port)"
fi

cat >"$RT_SITE_CONFIG" <<EOF
# Generated by tests/e2e/rt/install_rt.sh -- throw-away e2e instance.
use utf8;
Set(\$rtname, 'wishbridge-e2e');
Set(\$Organization, 'wishbridge-e2e');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $RT_PORT);
Set(\$WebPath, '');
Set(\$WebBaseURL, 'http://127.0.0.1:$RT_PORT');
Set(\$CanonicalizeRedirectURLs, 0);
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$RT_HOME/rt.db');
Set(\$DatabaseUser, '');
Set(\$DatabasePassword, '');
Set(\$Timezone, 'UTC');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'warning');
Set(\$LogDir, '$RT_HOME');
Set(\$LogToFile, 'info');
Set(\$LogToFileNamed, 'rt.log');
Set(\$MailCommand, 'testfile');
Set(\$CorrespondAddress, 'rt@localhost');
Set(\$CommentAddress, 'rt-comment@localhost');
Set(\$DevelMode, 0);
# Keep compiled Mason templates and web sessions in \$RT_HOME too, not in the
# package's /var/cache/request-tracker5 (owned by www-data).
\$RT::MasonDataDir = '$RT_HOME/mason_data';
\$RT::MasonSessionDir = '$RT_HOME/session_data';
1;
EOF

cat >"$RT_HOME/wishbridge-initialdata.pl" <<'EOF'
# Seed data for the Wishbridge e2e RT (rt-setup-database --action insert).
use strict;
use warnings;
use utf8;

our @Queues = (
    {
        Name              => 'Wishes',
        Description       => 'Wishbridge end-to-end tests',
        CorrespondAddress => '',
        CommentAddress    => '',
    },
);

our @Users = (
    {
        Name         => 'wishbridge',
        Password     => $ENV{WISHBRIDGE_RT_PASSWORD},
        EmailAddress => 'wishbridge@localhost',
        RealName     => 'Wishbridge connector',
        Privileged   => 1,
        Timezone     => $ENV{RT_USER_TIMEZONE},
    },
    {
        Name         => 'agent',
        Password     => $ENV{WISHBRIDGE_RT_PASSWORD},
        EmailAddress => 'agent@localhost',
        RealName     => 'Support agent',
        Privileged   => 1,
    },
);

my %subcategories = (
    'Маркировка' => [ 'Коды DataMatrix', 'Агрегация' ],
    'Отчёты'     => [ 'Выгрузки', 'Дашборды' ],
    'Интеграции' => [ '1С', 'API' ],
    'Billing'    => [ 'Invoices', 'Refunds' ],
);
my @categories = ( 'Маркировка', 'Отчёты', 'Интеграции', 'Billing' );
my $sort = 0;

our @CustomFields = (
    {
        Name        => 'Category',
        Type        => 'SelectSingle',
        RenderType  => 'Dropdown',
        LookupType  => 'RT::Queue-RT::Ticket',
        Queue       => ['Wishes'],
        Description => 'Wish category',
        Values      => [ map { { Name => $_, SortOrder => ++$sort } } @categories ],
    },
    {
        Name        => 'Subcategory',
        Type        => 'SelectSingle',
        RenderType  => 'Dropdown',
        LookupType  => 'RT::Queue-RT::Ticket',
        Queue       => ['Wishes'],
        BasedOn     => 'Category',
        Description => 'Wish subcategory (categories are based on Category)',
        Values      => [
            map {
                my $cat = $_;
                map { { Name => $_, Category => $cat, SortOrder => ++$sort } }
                    @{ $subcategories{$cat} }
            } @categories
        ],
    },
);

our @ACL = map {
    my $user = $_;
    (
        {
            UserId => $user,
            Queue  => 'Wishes',
            Right  => [ qw(
                SeeQueue ShowTicket CreateTicket ModifyTicket
                CommentOnTicket ReplyToTicket ShowTicketComments
                ShowOutgoingEmail Watch WatchAsAdminCc OwnTicket TakeTicket
                SeeCustomField ModifyCustomField
            ) ],
        },
        map {
            { UserId => $user, CF => $_, LookupType => 'RT::Queue-RT::Ticket',
              Right => [qw(SeeCustomField ModifyCustomField)] }
        } qw(Category Subcategory),
    )
} qw(wishbridge agent);

sub write_token {
    my ( $name, $file ) = @_;
    my $user = RT::User->new( RT->SystemUser );
    $user->Load($name);
    die "user $name missing\n" unless $user->id;
    my $token = RT::AuthToken->new( RT->SystemUser );
    my ( $ok, $msg, $authstring ) =
        $token->Create( Owner => $user->id, Description => 'wishbridge e2e' );
    die "could not create auth token: $msg\n" unless $ok;
    open my $fh, '>', "$file.tmp" or die "$file.tmp: $!\n";
    print {$fh} "$authstring\n";
    close $fh or die "$file.tmp: $!\n";
    chmod 0600, "$file.tmp";
    rename "$file.tmp", $file or die "rename $file: $!\n";
}

our @Final = (
    sub {
        write_token( 'agent', "$ENV{RT_HOME}/agent_token" );
        write_token( 'wishbridge', "$ENV{RT_HOME}/token" );
    },
);

1;
EOF

# The Scrip, installed once the bridge's token exists: connectors/rt_webhook_scrip.pl with the URL and token.
cat >"$RT_HOME/wishbridge-scrip.pl" <<'EOF'
use strict;
use warnings;

open my $fh, '<', $ENV{SCRIP_CODE} or die "$ENV{SCRIP_CODE}: $!\n";
my $code = do { local $/; <$fh> };
$code =~ s/__WISHBRIDGE_URL__/$ENV{WISHBRIDGE_WEBHOOK_URL}/g;
$code =~ s/__RT_TOKEN__/$ENV{WISHBRIDGE_RT_TOKEN}/g;

our @Scrips = (
    {
        Description       => 'Wishbridge webhook',
        Queue             => 'Wishes',
        ScripCondition    => 'On Transaction',
        ScripAction       => 'User Defined',
        Template          => 'Blank',
        Stage             => 'TransactionBatch',
        CustomPrepareCode => 'return 1;',
        CustomCommitCode  => $code,
    },
);

1;
EOF

# ----------------------------------------------------------------- database
SEEDED_STAMP="$RT_HOME/.seeded"
if [ "${RT_REUSE_DB:-0}" = "1" ] && [ -f "$SEEDED_STAMP" ] && [ -s "$RT_HOME/rt.db" ] \
    && [ -s "$RT_HOME/token" ] && [ -s "$RT_HOME/agent_token" ]; then
    log "reusing existing database $RT_HOME/rt.db"
else
    log "creating a fresh SQLite database in $RT_HOME/rt.db"
    rm -f "$SEEDED_STAMP" "$RT_HOME/token" "$RT_HOME/agent_token" "$RT_HOME/rt.db" "$RT_HOME/rt.db-journal"
    rm -rf "$RT_HOME/mason_data/obj" "$RT_HOME/session_data"/*
    export RT_DBA_PASSWORD=""   # SQLite: no DBA; avoids the password prompt
    export WISHBRIDGE_RT_PASSWORD="$RT_USER_PASSWORD" RT_HOME RT_USER_TIMEZONE
    "$RT_SETUP_DB" --action init </dev/null >"$RT_HOME/setup-init.log" 2>&1 \
        || { tail -n 40 "$RT_HOME/setup-init.log" >&2; die "rt-setup-database --action init failed"; }
    "$RT_SETUP_DB" --action insert --datafile "$RT_HOME/wishbridge-initialdata.pl" \
        </dev/null >"$RT_HOME/setup-insert.log" 2>&1 \
        || { tail -n 40 "$RT_HOME/setup-insert.log" >&2; die "rt-setup-database --action insert failed"; }
    if grep -qE '\[(error|critical)\]' "$RT_HOME/setup-insert.log"; then
        grep -E '\[(error|critical)\]' "$RT_HOME/setup-insert.log" >&2
        die "seeding reported errors (see $RT_HOME/setup-insert.log)"
    fi
    [ -s "$RT_HOME/token" ] || die "auth token was not written to $RT_HOME/token"
    if [ -n "${WISHBRIDGE_WEBHOOK_URL:-}" ]; then
        log "installing the webhook Scrip (posts to $WISHBRIDGE_WEBHOOK_URL/webhooks/rt)"
        export WISHBRIDGE_WEBHOOK_URL SCRIP_CODE
        WISHBRIDGE_RT_TOKEN="$(head -n 1 "$RT_HOME/token")" "$RT_SETUP_DB" --action insert \
            --datafile "$RT_HOME/wishbridge-scrip.pl" </dev/null >"$RT_HOME/setup-scrip.log" 2>&1 \
            || { tail -n 40 "$RT_HOME/setup-scrip.log" >&2; die "installing the webhook Scrip failed"; }
        if grep -qE '\[(error|critical)\]' "$RT_HOME/setup-scrip.log"; then
            grep -E '\[(error|critical)\]' "$RT_HOME/setup-scrip.log" >&2
            die "the webhook Scrip reported errors (see $RT_HOME/setup-scrip.log)"
        fi
    fi
    touch "$SEEDED_STAMP"
fi
TOKEN="$(head -n 1 "$RT_HOME/token")"

# ------------------------------------------------------------------- server
log "starting rt-server on $URL"
# setsid: own session/process group, so it survives the caller and can be
# stopped as a group; all fds redirected, so a caller capturing our output
# is not kept waiting by the server.
setsid "$RT_SERVER_BIN" --server Starlet --host 127.0.0.1 --port "$RT_PORT" \
    --max-workers 2 \
    </dev/null >"$RT_HOME/rt-server.log" 2>&1 &
SERVER_PID=$!
echo "$SERVER_PID" >"$PID_FILE"

deadline=$((SECONDS + 90))
# HTTP::Tiny is core Perl, so no curl is needed on a fresh machine.
http_code() {
    perl -MHTTP::Tiny -e 'my $r = HTTP::Tiny->new(timeout => 5)->get($ARGV[0],
        { headers => { Authorization => "token $ARGV[1]" } }); print $r->{status}' \
        "$1" "$TOKEN" 2>/dev/null || true
}
code=""
until code="$(http_code "$URL/REST/2.0/queues/all")" && [ "$code" = "200" ]; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        tail -n 40 "$RT_HOME/rt-server.log" >&2
        rm -f "$PID_FILE"
        die "rt-server exited during start-up"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        tail -n 40 "$RT_HOME/rt-server.log" >&2
        stop_server
        die "rt-server did not answer on $URL/REST/2.0/ within 90 s (last HTTP code: ${code:-none})"
    fi
    sleep 0.5
done
log "rt-server is up (pid $SERVER_PID), logs in $RT_HOME"

echo "RT_URL=$URL"
echo "RT_TOKEN=$TOKEN"
echo "RT_AGENT_TOKEN=$(head -n 1 "$RT_HOME/agent_token")"

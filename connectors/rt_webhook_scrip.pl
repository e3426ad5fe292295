# Custom action commit code of the RT Scrip that tells Wishbridge about ticket changes (see connectors/rt.py).
# Replace __WISHBRIDGE_URL__ with the bridge's address and __RT_TOKEN__ with the bridge's RT_TOKEN.
use Digest::SHA qw(hmac_sha256_hex);
use JSON ();
use LWP::UserAgent;
my $txn = $self->TransactionObj;
return 1 if $txn->CreatorObj->Name eq 'wishbridge';   # the bridge's own writes
my $body = JSON::encode_json({ ticket => $self->TicketObj->id, event => $txn->Type, token => $txn->id });
LWP::UserAgent->new(timeout => 10)->post('__WISHBRIDGE_URL__/webhooks/rt',
    'Content-Type' => 'application/json',
    'X-Wishbridge-Signature' => hmac_sha256_hex($body, '__RT_TOKEN__'),
    Content => $body);
1;

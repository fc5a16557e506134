// Type-checked by `tsc --noEmit -p test/types` (run_tests.sh): the README's
// API, used as an application would.  Never run.
import { Phone, Call, CallState, PhoneStatus, VoipError, ErrorCode, CallAudioStream, version, setMemoryLimit } from 'libvoip';
import { Player, Recorder, Tone, Conference } from 'libvoip';
import type { PhoneOptions, PendingCall, SendMessageOptions, IncomingRequest } from 'libvoip';
import type { DtmfCollection } from 'libvoip'; // issue 17
import { FrameBatch } from 'libvoip'; // issue 16
import type { CallFrame, FrameReply } from 'libvoip'; // issue 16
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';

const options: PhoneOptions = {
  bindIp: '127.0.0.1',
  bindPort: 5060,
  rtpPortLow: 10000,
  rtpPortHigh: 10100,
  server: 'pbx.example.com',
  port: 5060,
  user: 'alice',
  password: 'secret',
  authUser: 'alice-auth',
  transport: 'tls',
  caFile: '/etc/ssl/certs/ca.pem',
  codecs: ['PCMU', 'PCMA'],
  jitterMs: 60,
  // call quality (issue 13)
  rtcp: true,
  rtcpMux: true,
  plc: true,
  comfortNoise: true,
  jitterMode: 'adaptive',
  jitterMinMs: 40,
  jitterMaxMs: 300,
  qualityIntervalMs: 5000,
  dtmfMode: 'info',
  rtpTimeoutMs: 30000,
  ringTimeoutMs: 120000,
  maxCalls: 1024,
  sessionExpires: 1800,
  minSe: 90,
  tcpMaxConnections: 256,
  tcpIdleTimeoutMs: 60000,
  tcpMessageTimeoutMs: 10000,
  tcpMaxMessageBytes: 16384,
  udpMaxSources: 1024,
  sipTrace: true,
  stunServer: 'stun.example.org:3478',
  ice: true,
  turnServer: 'turn.example.org',
  turnUser: 'alice',
  turnPassword: 'secret',
  acceptAnyUser: false,
  userAgent: '',
  logLevel: 'info',
  // Wideband audio (issue 13: codecs).
  sampleRate: 16000,
};
const wideband: PhoneOptions = { codecs: ['opus', 'G722', 'PCMU'], sampleRate: 48000 };
// @ts-expect-error 44100 Hz is not an application rate libvoip takes
const badRate: PhoneOptions = { sampleRate: 44100 };
void wideband;
void badRate;
const previousLimit: number = setMemoryLimit(256);

async function main(): Promise<void> {
  const phone = new Phone(options);
  phone.on('call', (call: Call) => {
    call.on('dtmf', (d: string) => console.log(d.toUpperCase()));
    call.on('ended', (reason: string, code: number) => console.log(reason, code + 1));
    call.on('dtmf_failed', (detail: string) => console.error(detail));
    call.answer();
  });
  phone.on('status', (s: PhoneStatus, reason: string) => {
    if (s === PhoneStatus.FAILED) console.error(reason);
  });
  phone.on('callState', (call, state, reason) => console.log(call.id, state, reason));
  await phone.start();
  const port: number = phone.sipPort;

  phone.on('request', (r: IncomingRequest) => {
    if (r.method === 'MESSAGE') console.log(r.from, r.contentType, r.body.length);
  });
  await phone.sendMessage('sip:bob@127.0.0.1:5090', 'hello');
  const msgOptions: SendMessageOptions = { contentType: 'application/json', timeoutMs: 5000 };
  const sent: Promise<void> = phone.sendMessage('sip:bob@127.0.0.1:5090', '{}', msgOptions);
  await sent.catch((err: VoipError) => console.error(err.code, err.sipCode, err.reason));
  // @ts-expect-error: the body is a string
  void phone.sendMessage('sip:bob@127.0.0.1:5090', Buffer.from('hi'));
  // @ts-expect-error: timeoutMs is a number of milliseconds
  void phone.sendMessage('sip:bob@127.0.0.1:5090', 'hi', { timeoutMs: '5000' });

  const pending: PendingCall = phone.call('sip:bob@127.0.0.1:5090', { timeout: 30000 });
  pending.call.on('state', (s: CallState) => {
    if (s === CallState.PROGRESS) console.log('ringing');
  });
  let call: Call;
  try {
    call = await pending;
  } catch (err) {
    if (err instanceof VoipError) console.error(err.code, err.errno, err.reason, err.sipCode);
    return;
  }
  const state: CallState = call.state;
  const frame: Buffer = await call.readAudio(320);
  const partial: Buffer = await call.readAudio(3200, { timeout: 100 });
  const n: number = call.writeAudio(frame);
  const m: number = await call.writeAudioAsync(new Int16Array(160));
  call.sendDtmf('12#');
  const digits: string = call.getDtmf();
  // issue 17: drain, flush, collectDtmf
  const drained: boolean = await call.drain({ dtmf: true, timeout: 5000 });
  call.flush({ sendAudio: true, receivedDtmf: true });
  const pin: DtmfCollection = await call.collectDtmf({ maxDigits: 4, timeout: 15000, interDigitTimeout: 5000, terminators: '#' });
  if (pin.reason === 'terminator') console.log(pin.digits, pin.terminator, drained);
  // @ts-expect-error: no such stop reason
  if (pin.reason === 'hangup') console.log(pin.digits);
  const stream: CallAudioStream = call.audioStream({ frameBytes: 640 });
  await pipeline(stream, createWriteStream('/tmp/call.raw'));
  const { reason, code } = await call.waitEnded();
  console.log(state, partial.length, n, m, digits, reason, code, port, call.stats().packets_lost + call.stats().dtmf_info_sent, ErrorCode.ETIMEOUT, version());
  await call.hangup();
  call.deny();
  call.deny(603);
  await call.progress();
  call.redirect('sip:carol@127.0.0.1:5070');
  call.on('early_media', (detail: string) => console.log(detail));
  call.on('redirected', (target: string) => console.log(target));
  call.on('session_refresh_failed', (detail: string) => console.error(detail));
  new Phone({ rel100: 'required' });
  // @ts-expect-error: rel100 is off/supported/required
  new Phone({ rel100: 'always' });
  new Phone({ mediaEncryption: 'mandatory' });
  // @ts-expect-error: media_encryption is off/optional/mandatory
  new Phone({ mediaEncryption: 'sdes' });
  const enc: 'none' | 'sdes' | 'dtls' | '' = call.mediaEncryption;
  new Phone({ mediaEncryption: 'mandatory', mediaKeying: 'dtls' });
  // @ts-expect-error: media_keying is sdes/dtls
  new Phone({ mediaKeying: 'zrtp' });
  const srtp: { suite: string; replayed: number; auth_failed: number } = call.srtpStats();
  console.log(enc, srtp.suite);
  call.cancel();
  await phone.stop();
  await phone.close();

  // @ts-expect-error: transport is one of udp/tcp/tls
  new Phone({ transport: 'sctp' });
  // @ts-expect-error: dtmfMode is one of auto/rfc4733/info/inband
  new Phone({ dtmfMode: 'tones' });
  // @ts-expect-error: unknown event of a call
  call.on('nonsense', () => {});
  // @ts-expect-error: states are strings of CallState
  const bad: CallState = 'UP';
  void bad;
}

void main();

// Transfers (REFER, Replaces).
async function transfers(phone: Phone, call: Call, other: Call): Promise<void> {
  await call.transfer('sip:carol@127.0.0.1:5070');
  await call.transfer('sip:carol@127.0.0.1:5070', { blind: false, timeout: 10000 });
  await call.transferAttended(other, { timeout: 10000 });
  call.on('transferred', (newCall: Call, uri: string) => void newCall.hangup().then(() => uri));
  call.on('replaced', (newCall: Call, uri: string) => void [newCall.state, uri]);
  call.on('transfer_progress', (detail: string) => void detail.length);
  const next: Call | null = call.successor;
  void next;
  void new Phone({ allowTransfer: false });
  void phone;
}
void transfers;

// call quality (issue 13): the object and the event
async function qualityUsage(c: Call): Promise<number | null> {
  c.on('quality', (q) => console.log(q.mos, q.loss_percent, q.rtt_ms ?? -1, q.jitter_mode === 'adaptive'));
  const q = c.quality();
  return q.rtt_ms === null ? q.mos : q.rtt_ms + q.jitter_buffer_ms;
}
void qualityUsage;
// Events (subscriptions, presence, MWI, busy lamps).
async function events(phone: Phone): Promise<void> {
  const sub = await phone.subscribe('sip:bob@pbx', 'presence', { accept: 'application/pidf+xml', timeoutMs: 3000 });
  sub.on('notify', (n) => console.log(n.event, n.state, n.summary.basic, n.summary.note));
  sub.on('state', (state: string, reason: string) => console.log(state, reason));
  const mwi = await phone.mwi('sip:*97@pbx');
  const waiting: boolean | undefined = mwi.counts.waiting;
  const lamp = await phone.watch('sip:201@pbx');
  const l: string = lamp.lamp;
  const winfo = await phone.watchers('sip:me@pbx');
  const who: string[] = winfo.watchers.filter((w) => w.status === 'pending').map((w) => w.uri);
  const st: string = winfo.watcherStatus('sip:bob@pbx');
  const wn = await winfo.waitForWatcher('sip:bob@pbx', 'active', 1000);
  console.log(who, st, wn.summary.version, wn.summary.watchers?.[0]?.event);
  await phone.setPresence('open', { note: 'here', activities: ['busy'] });
  await phone.publish('presence', 'application/pidf+xml', null);
  phone.serveEvents(['presence', 'dialog'], (s) => {
    if (s.event === 'dialog') s.accept();
    else s.reject(603);
  });
  phone.on('notify', (s, n) => console.log(s === null ? 'unsolicited' : s.uri, n.summary.new));
  await sub.waitFor((n) => n.summary.basic === 'open', 1000);
  await sub.stop();
  console.log(waiting, l);
}
void events;
// ---- media toolkit (issue 12) ----
async function mediaUsage(phone: Phone, call: Call): Promise<void> {
  const reason: string = await call.play('greeting.wav', { loop: false });
  const player: Player = phone.player(Buffer.alloc(0), { loop: true });
  player.connect(call);
  player.on('end', (r: string) => void r);
  const rec: Recorder = call.record('message.wav', { stereo: true, maxDurationMs: 30000 });
  rec.setMaxDuration(1000);
  const tone: Tone = phone.tone('ringback:us');
  tone.connect(call);
  const conf: Conference = phone.conference([call]);
  conf.add(call);
  conf.close();
  call.connect(rec);
  call.disconnect(rec);
  const done: string = await rec.wait();
  const r2: string | null = tone.endReason;
  void [reason, done, r2, ErrorCode.EFORMAT, ErrorCode.EIO];
  tone.close();
  const p = new Phone({ dtmfMode: 'inband', dtmfDetectInband: true });
  void p;
}
void mediaUsage;
// ---- batched audio (issue 16) ----
async function batchUsage(phone: Phone): Promise<void> {
  const batch: FrameBatch = new FrameBatch(phone, { capacity: 256 });
  const n: number = batch.frameBytes;
  let replies: FrameReply[] = [];
  const frames: CallFrame[] = await batch.exchange(replies, { timeout: 1000 });
  replies = frames.flatMap((f) => (f.data ? [{ call: f.call, data: f.data }] : []));
  const again: CallFrame[] = await batch.read({ timeout: 0 });
  const status: number[] = batch.writeStatus;
  void [n, again, status, replies];
}
void batchUsage;

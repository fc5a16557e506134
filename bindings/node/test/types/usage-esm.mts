// The ESM entry, type-checked too.
import libvoip, { Phone, CallState } from 'libvoip';

const phone: Phone = new libvoip.Phone({ bindPort: 0 });
await phone.start();
const call = await phone.call('sip:bob@127.0.0.1:5090');
if (call.state === CallState.ANSWERED) await call.hangup();
await phone.close();

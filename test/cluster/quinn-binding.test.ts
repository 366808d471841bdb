import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_TOKIO_WORKERS,
  loadQuinn,
  peerIdFromMultiaddr,
  peerIdOf,
} from '../../cluster/quinn-binding.js';

describe('quinn binding', () => {
  const saved = process.env.TOKIO_WORKER_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.TOKIO_WORKER_THREADS;
    else process.env.TOKIO_WORKER_THREADS = saved;
  });

  it('asks for one tokio worker unless the operator chose a number (an empty value counts as unset)', async () => {
    delete process.env.TOKIO_WORKER_THREADS;
    const napi = await loadQuinn();
    expect(typeof napi.QuinnConfig).toBe('function');
    expect(process.env.TOKIO_WORKER_THREADS).toBe(DEFAULT_TOKIO_WORKERS);
    process.env.TOKIO_WORKER_THREADS = '';
    await loadQuinn();
    expect(process.env.TOKIO_WORKER_THREADS).toBe(DEFAULT_TOKIO_WORKERS);
    process.env.TOKIO_WORKER_THREADS = '3';
    await loadQuinn();
    expect(process.env.TOKIO_WORKER_THREADS).toBe('3');
  });

  it('derives libp2p peer ids from Ed25519 keys and reads them back from multiaddrs', () => {
    // The all-zero key's id, as libp2p computes it (identity multihash of the protobuf key).
    const id = peerIdOf(new Uint8Array(32));
    expect(id).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/);
    expect(peerIdOf(new Uint8Array(32).fill(1))).not.toBe(id);
    expect(peerIdFromMultiaddr(`/ip4/127.0.0.1/udp/4000/quic-v1/p2p/${id}`)).toBe(id);
    expect(peerIdFromMultiaddr('/ip4/127.0.0.1/udp/4000/quic-v1')).toBeUndefined();
  });
});

/**
 * The node-level handshake on a fresh authenticated connection (docs/protocol.md, "Handshake"):
 * the dialer sends `Hello`, the listener answers `Welcome` or `Reject`. The transport has
 * already verified the peer's certificate; this step exchanges node names, incarnations,
 * listening addresses and known peers, and refuses what must not become a link (a wrong
 * protocol version, a name the certificate does not carry, this node's own name, a duplicate).
 * The node (cluster-node.ts) decides what an accepted link replaces and brings it up.
 *
 * @example
 * awaitHello(link, 5000, (hello) => { const why = helloRefusal(view, hello, link); ... });
 * const { welcome, held } = await awaitWelcome(link, helloFrame, '127.0.0.1:4370', 5000);
 */
import { DuplicateLinkError, HandshakeError, ProtocolError } from './errors.js';
import type { PeerLink } from './peer-link.js';
import { type Frame, FrameType, type HelloFrame, PROTOCOL_VERSION, type WelcomeFrame } from './protocol.js';

/** What the listening side needs to know about its node to judge a hello. */
export interface HandshakeView {
  /** This node's name. */
  readonly self: string;
  /** Links up, by peer node name. */
  readonly links: ReadonlyMap<string, PeerLink>;
  /** Node names this node is dialing right now. */
  readonly dialing: ReadonlySet<string>;
}

/**
 * The listening side: the first frame must be a hello, within `timeout` ms; otherwise the link
 * is destroyed with a logged reason. `onHello` runs at most once.
 */
export function awaitHello(link: PeerLink, timeout: number, onHello: (hello: HelloFrame) => void): void {
  const timer = setTimeout(() => link.destroy(`no hello within ${timeout} ms`), timeout);
  timer.unref();
  link.onDown(() => clearTimeout(timer));
  link.onFrame((f) => {
    if (f[0] !== FrameType.Hello) throw new ProtocolError(`expected a hello frame, got frame type ${f[0]}`);
    clearTimeout(timer);
    onHello(f);
  });
}

/**
 * Why a hello must be refused, or undefined to accept it. A hello from a known node under a
 * new incarnation (it restarted before we noticed the old one die) destroys the old link.
 */
export function helloRefusal(view: HandshakeView, hello: HelloFrame, link: PeerLink): string | undefined {
  const [, version, name, incarnation] = hello;
  if (version !== PROTOCOL_VERSION) return `protocol version ${version} is not ${PROTOCOL_VERSION}`;
  const certName = link.conn.remote.name;
  if (certName !== undefined && certName !== name) {
    return `node name ${JSON.stringify(name)} does not match its certificate's ${JSON.stringify(certName)}`;
  }
  if (name === view.self) return `node name ${JSON.stringify(name)} is this node's own name`;
  const existing = view.links.get(name);
  if (existing !== undefined) {
    if (existing.incarnation === incarnation) return `duplicate: already linked to ${name}`;
    existing.destroy(`node ${name} restarted (new incarnation)`);
  } else if (view.dialing.has(name) && view.self < name) {
    // Crossing dials: the connection dialed by the node whose name sorts first is kept.
    return `duplicate: crossing dial, ${view.self} dials ${name}`;
  }
  return undefined;
}

/**
 * The dialing side: send `hello` and wait up to `timeout` ms for the welcome. Rejects with a
 * {@link HandshakeError} (a {@link DuplicateLinkError} for a duplicate refusal) if the peer
 * refuses, closes, or stays silent; the link is destroyed then. Frames that arrive behind the
 * welcome (gossip in the same chunk) are returned in `held`, in order, for the dispatcher.
 */
export async function awaitWelcome(
  link: PeerLink,
  hello: HelloFrame,
  where: string,
  timeout: number,
): Promise<{ welcome: WelcomeFrame; held: Frame[] }> {
  const held: Frame[] = [];
  const welcome = await new Promise<WelcomeFrame>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new HandshakeError(`node at ${where} sent no welcome within ${timeout} ms`));
      link.destroy('handshake timeout');
    }, timeout);
    link.onDown((reason) => {
      clearTimeout(timer);
      reject(new HandshakeError(`node at ${where} closed the link during the handshake: ${reason}`));
    });
    link.onFrame((f) => {
      clearTimeout(timer);
      if (f[0] === FrameType.Welcome) {
        // Frames behind the welcome in the same chunk arrive before the caller's await
        // resumes: hold them.
        link.onFrame((next) => held.push(next));
        resolve(f);
      } else if (f[0] === FrameType.Reject) {
        const message = `node ${f[2]} at ${where} refused the link: ${f[1]}`;
        reject(
          f[1].startsWith('duplicate') ? new DuplicateLinkError(message, f[2]) : new HandshakeError(message),
        );
        link.destroy(`refused: ${f[1]}`);
      } else throw new ProtocolError(`expected a welcome frame, got frame type ${f[0]}`);
    });
    link.send(hello);
  });
  const [, name] = welcome;
  const self = hello[2];
  const certName = link.conn.remote.name;
  if ((certName !== undefined && certName !== name) || name === self) {
    link.destroy(`peer announced name ${JSON.stringify(name)} but is ${JSON.stringify(certName ?? self)}`);
    throw new HandshakeError(
      `node at ${where} announced name ${JSON.stringify(name)}, which its certificate does not carry`,
    );
  }
  return { welcome, held };
}

/**
 * Cluster identities: the certificate and key a node presents on every link, and the rule by
 * which it accepts a peer's.
 *
 * Two modes, as in the seed:
 * - **shared**: one pre-shared cluster certificate (self-signed); every node presents it and
 *   accepts only a peer presenting exactly it (pinned by SHA-256 fingerprint).
 * - **ca**: a cluster CA issues each node a certificate whose subject CN is the node's name; a
 *   peer is accepted if its certificate chains to that CA, and the name it announces in the
 *   handshake must equal its certificate's CN (so no node can impersonate another).
 *
 * Keys are Ed25519 everywhere, so the same key also serves as the QUIC transport's libp2p
 * identity (its peer id is derived from this public key). Certificates are built with
 * `@peculiar/x509` over WebCrypto (Node has no X.509 builder; docs/protocol.md says why this
 * library); they are verified with `node:crypto`'s `X509Certificate`.
 *
 * @example
 * const shared = await Identity.generate();
 * const again = Identity.fromPem(shared.toPem());
 * const ca = await ClusterCa.generate();
 * const alpha = await ca.issue('alpha'); // alpha.name === 'alpha'
 */
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect
// metadata API; this import must come before it.
import 'reflect-metadata';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { InvalidArgumentError } from '../runtime/errors.js';
import { IdentityError } from './errors.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as any);

const ALG = { name: 'Ed25519' } as const;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const SHARED_CN = 'wactor-cluster';
const DAY = 86_400_000;

/** Throw unless `name` is a valid node name (it becomes a certificate CN and a wire string). */
export function assertNodeName(name: unknown, what = 'name'): asserts name is string {
  if (typeof name !== 'string' || !NODE_NAME.test(name)) {
    throw new InvalidArgumentError(
      `${what} must be 1-63 characters of letters, digits, '.', '_' or '-' starting with a letter or digit, got ${JSON.stringify(name)}`,
    );
  }
}

export interface IdentityPem {
  readonly cert: string;
  readonly key: string;
  /** The cluster CA's certificate (ca mode only). */
  readonly ca?: string;
}

export interface CertOptions {
  /** Validity in days (default 3650). */
  readonly days?: number;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

function validity(options: CertOptions | undefined): { notBefore: Date; notAfter: Date } {
  const days = options?.days ?? 3650;
  if (!Number.isFinite(days) || days <= 0)
    throw new InvalidArgumentError('options.days must be a positive number');
  // Back-date by a day so peers with slightly skewed clocks accept a fresh certificate.
  return { notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + days * DAY) };
}

function parseCert(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new IdentityError(`${what} is not a PEM X.509 certificate`, { cause: err });
  }
}

/** The subject CN of a certificate, or undefined. */
export function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** A node's certificate and key, and the rule for accepting peers. */
export class Identity {
  readonly mode: 'shared' | 'ca';
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem: string | undefined;
  /** The certificate's CN: the node's name in ca mode, `wactor-cluster` for a shared identity. */
  readonly name: string;
  /** SHA-256 fingerprint of the certificate (colon-separated hex, as node:crypto prints it). */
  readonly fingerprint: string;
  readonly cert: X509Certificate;
  readonly ca: X509Certificate | undefined;

  private constructor(pem: IdentityPem) {
    this.certPem = pem.cert;
    this.keyPem = pem.key;
    this.caPem = pem.ca;
    this.cert = parseCert(pem.cert, 'identity cert');
    this.ca = pem.ca === undefined ? undefined : parseCert(pem.ca, 'identity ca');
    this.mode = this.ca === undefined ? 'shared' : 'ca';
    this.name = commonName(this.cert) ?? '';
    this.fingerprint = this.cert.fingerprint256;
    let priv: ReturnType<typeof createPrivateKey>;
    try {
      priv = createPrivateKey(pem.key);
    } catch (err) {
      throw new IdentityError('identity key is not a PEM private key', { cause: err });
    }
    if (priv.asymmetricKeyType !== 'ed25519') {
      throw new IdentityError(`identity key must be Ed25519, got ${priv.asymmetricKeyType}`);
    }
    if (!this.cert.checkPrivateKey(priv))
      throw new IdentityError('identity key does not match its certificate');
    if (this.ca && !this.verifiedByCa(this.cert)) {
      throw new IdentityError('identity cert was not issued by the given ca');
    }
  }

  /** Generate a pre-shared cluster identity (self-signed Ed25519 certificate, CN `wactor-cluster`). */
  static async generate(options?: CertOptions): Promise<Identity> {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${SHARED_CN}`,
      ...validity(options),
      signingAlgorithm: ALG,
      keys,
    });
    return new Identity({ cert: cert.toString('pem'), key: await keyPem(keys.privateKey) });
  }

  /** Load an identity saved with {@link toPem} (or written by `wactor cert`). */
  static fromPem(pem: IdentityPem): Identity {
    if (typeof pem?.cert !== 'string' || typeof pem.key !== 'string') {
      throw new InvalidArgumentError('Identity.fromPem needs { cert, key } as PEM strings');
    }
    return new Identity(pem);
  }

  toPem(): IdentityPem {
    return this.caPem === undefined
      ? { cert: this.certPem, key: this.keyPem }
      : { cert: this.certPem, key: this.keyPem, ca: this.caPem };
  }

  /** The raw 32-byte Ed25519 private seed and public key (the QUIC transport's libp2p identity). */
  rawKeys(): { privateKey: Uint8Array; publicKey: Uint8Array } {
    const jwk = createPrivateKey(this.keyPem).export({ format: 'jwk' });
    return { privateKey: Buffer.from(jwk.d!, 'base64url'), publicKey: Buffer.from(jwk.x!, 'base64url') };
  }

  /** The raw Ed25519 public key of a certificate. */
  static publicKeyOf(cert: X509Certificate): Uint8Array {
    const jwk = cert.publicKey.export({ format: 'jwk' });
    if (jwk.crv !== 'Ed25519' || jwk.x === undefined)
      throw new IdentityError('certificate key is not Ed25519');
    return Buffer.from(jwk.x, 'base64url');
  }

  private verifiedByCa(cert: X509Certificate): boolean {
    const ca = this.ca!;
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  }

  /**
   * Decide whether a peer presenting `peer` is part of this cluster. Returns the name the
   * certificate vouches for (ca mode) or undefined (shared mode: any name); throws an
   * {@link IdentityError} saying why the certificate is refused.
   */
  verifyPeer(peer: X509Certificate | undefined): { name: string | undefined } {
    if (peer === undefined) throw new IdentityError('peer presented no certificate');
    const now = Date.now();
    if (Date.parse(peer.validFrom) > now || Date.parse(peer.validTo) < now) {
      throw new IdentityError(
        `peer certificate is outside its validity (${peer.validFrom} – ${peer.validTo})`,
      );
    }
    if (this.mode === 'shared') {
      if (peer.fingerprint256 !== this.fingerprint) {
        throw new IdentityError('peer certificate is not the pinned cluster identity');
      }
      return { name: undefined };
    }
    if (!this.verifiedByCa(peer))
      throw new IdentityError('peer certificate was not issued by the cluster ca');
    const name = commonName(peer);
    if (name === undefined || !NODE_NAME.test(name))
      throw new IdentityError('peer certificate names no node');
    return { name };
  }
}

/**
 * A cluster certificate authority: issues per-node identities whose CN is the node's name.
 *
 * @example
 * const ca = await ClusterCa.generate();
 * const beta = await ca.issue('beta');
 * const caAgain = ClusterCa.fromPem(ca.toPem()); // keep the key offline in production
 */
export class ClusterCa {
  readonly certPem: string;
  readonly keyPem: string;
  readonly #key: CryptoKey;

  private constructor(certPem: string, keyPem: string, key: CryptoKey) {
    this.certPem = certPem;
    this.keyPem = keyPem;
    this.#key = key;
  }

  static async generate(options?: CertOptions): Promise<ClusterCa> {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=wactor-cluster-ca',
      ...validity(options),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    });
    return new ClusterCa(cert.toString('pem'), await keyPem(keys.privateKey), keys.privateKey);
  }

  static async fromPem(pem: { cert: string; key: string }): Promise<ClusterCa> {
    parseCert(pem.cert, 'ca cert');
    let key: CryptoKey;
    try {
      const der = x509.PemConverter.decodeFirst(pem.key);
      key = (await webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign'])) as CryptoKey;
    } catch (err) {
      throw new IdentityError('ca key is not a PEM Ed25519 private key', { cause: err });
    }
    return new ClusterCa(pem.cert, pem.key, key);
  }

  toPem(): { cert: string; key: string } {
    return { cert: this.certPem, key: this.keyPem };
  }

  /** Issue an identity for node `name` (its certificate's CN), signed by this CA. */
  async issue(name: string, options?: CertOptions): Promise<Identity> {
    assertNodeName(name);
    const keys = await newKeys();
    const caCert = new x509.X509Certificate(this.certPem);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${name}`,
      issuer: caCert.subject,
      ...validity(options),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: this.#key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
      ],
    });
    return Identity.fromPem({
      cert: cert.toString('pem'),
      key: await keyPem(keys.privateKey),
      ca: this.certPem,
    });
  }
}

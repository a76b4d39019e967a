import crypto from 'node:crypto';
import forge from 'node-forge';

/** A certificate and its key, PEM-encoded, as an https server takes them. */
export interface Credentials {
  cert: string;
  key: string;
}

export interface TestCa extends Credentials {
  issue(opts: { notBefore?: Date; notAfter: Date; names?: Names }): Credentials;
}

interface Names {
  dns?: string[];
  ips?: string[];
}

const DAY_MS = 86_400_000;
export const daysFromNow = (days: number): Date => new Date(Date.now() + days * DAY_MS);

/** Node generates the keys (fast, native); forge writes the certificates, which Node cannot. */
function keyPair(): forge.pki.rsa.KeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

function certificate(
  subject: string,
  keys: forge.pki.rsa.KeyPair,
  issuer: { name: string; key: forge.pki.rsa.PrivateKey },
  { notBefore = daysFromNow(-1), notAfter, names, ca = false }: { notBefore?: Date; notAfter: Date; names?: Names; ca?: boolean },
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${crypto.randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer.name }]);
  const altNames = [...(names?.dns ?? []).map((value) => ({ type: 2, value })), ...(names?.ips ?? []).map((ip) => ({ type: 7, ip }))];
  cert.setExtensions([
    { name: 'basicConstraints', cA: ca },
    ca ? { name: 'keyUsage', keyCertSign: true, cRLSign: true } : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    ...(ca
      ? []
      : [
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames },
        ]),
  ]);
  cert.sign(issuer.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const LOOPBACK: Names = { dns: ['localhost'], ips: ['127.0.0.1'] };

/** A certificate authority of the test's own, valid for a year, that issues server certificates. */
export function createTestCa(): TestCa {
  const keys = keyPair();
  const name = 'Vigil Test CA';
  const issuer = { name, key: keys.privateKey };
  return {
    cert: certificate(name, keys, issuer, { notAfter: daysFromNow(365), ca: true }),
    key: forge.pki.privateKeyToPem(keys.privateKey),
    issue: ({ notBefore, notAfter, names = LOOPBACK }) => {
      const leaf = keyPair();
      return { cert: certificate('vigil-test-server', leaf, issuer, { notBefore, notAfter, names }), key: forge.pki.privateKeyToPem(leaf.privateKey) };
    },
  };
}

/** A server certificate that vouches for itself, for 127.0.0.1 and localhost. */
export function selfSigned(): Credentials {
  const keys = keyPair();
  const cert = certificate('vigil-self-signed', keys, { name: 'vigil-self-signed', key: keys.privateKey }, { notAfter: daysFromNow(365), names: LOOPBACK });
  return { cert, key: forge.pki.privateKeyToPem(keys.privateKey) };
}

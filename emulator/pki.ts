import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The emulator's own certificate authority and server certificate (for 127.0.0.1, ::1 and localhost),
 * made on first start and kept in the state directory. Clients trust the CA through
 * NODE_EXTRA_CA_CERTS, as they would trust a corporate proxy's CA: no TLS check is ever switched off.
 * The RSA key that signs access tokens is kept there too.
 */
export interface Pki {
    caCertPath: string;
    /**
     * The system's trusted CAs, any SSL_CERT_FILE and NODE_EXTRA_CA_CERTS already set, and the
     * emulator's CA, in one PEM file: for SSL_CERT_FILE (Go replaces its system roots with that file)
     * and for a shell that must keep trusting the registries it already trusts.
     */
    caBundlePath: string;
    /**
     * The certificates of the NODE_EXTRA_CA_CERTS file set when the emulator started (a corporate
     * proxy's CA, say) and the emulator's CA: for NODE_EXTRA_CA_CERTS, which takes one file, so that
     * npm and other Node tools keep working in the shell that points at the emulator.
     */
    nodeCaBundlePath: string;
    serverCert: string;
    serverKey: string;
    /** PEM private key that signs access tokens. */
    tokenSigningKey: string;
    /** Public key of tokenSigningKey, for verification and the JWKS document. */
    tokenPublicKey: crypto.KeyObject;
    tokenKeyId: string;
}

export function loadOrCreatePki(dir: string): Pki {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = (name: string) => path.join(dir, name);
    const caCertPath = file("ca.pem");
    if (![caCertPath, file("server.pem"), file("server-key.pem"), file("token-signing-key.pem")].every(fs.existsSync)) {
        createPki(dir);
    }
    const tokenSigningKey = fs.readFileSync(file("token-signing-key.pem"), "utf8");
    const tokenPublicKey = crypto.createPublicKey(tokenSigningKey);
    const der = tokenPublicKey.export({ type: "spki", format: "der" });
    return {
        caCertPath,
        caBundlePath: writeBundle(file("ca-bundle.pem"), [
            SYSTEM_BUNDLES.find((f) => fs.existsSync(f)),
            process.env.SSL_CERT_FILE,
            process.env.NODE_EXTRA_CA_CERTS,
            caCertPath,
        ]),
        nodeCaBundlePath: writeBundle(nodeCaBundlePath(caCertPath), [process.env.NODE_EXTRA_CA_CERTS, caCertPath]),
        serverCert: fs.readFileSync(file("server.pem"), "utf8"),
        serverKey: fs.readFileSync(file("server-key.pem"), "utf8"),
        tokenSigningKey,
        tokenPublicKey,
        tokenKeyId: crypto.createHash("sha256").update(der).digest("base64url").slice(0, 27),
    };
}

function createPki(dir: string): void {
    // node-forge builds the X.509 certificates; Node's crypto makes the keys (much faster than forge's).
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const forge: typeof import("node-forge") = require("node-forge");
    const keyPair = () => {
        const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        return {
            privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
            forgePrivate: forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()),
            forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString()),
        };
    };
    const serial = () => `01${crypto.randomBytes(15).toString("hex")}`;
    const now = new Date();
    const years = (n: number) => new Date(now.getTime() + n * 365 * 24 * 3600 * 1000);

    const ca = keyPair();
    const caCert = forge.pki.createCertificate();
    caCert.publicKey = ca.forgePublic;
    caCert.serialNumber = serial();
    caCert.validity.notBefore = new Date(now.getTime() - 3600 * 1000);
    caCert.validity.notAfter = years(10);
    const caName = [
        { name: "commonName", value: "m365-mfa tenant emulator CA" },
        { name: "organizationName", value: "m365-mfa (local emulator, not Microsoft)" },
    ];
    caCert.setSubject(caName);
    caCert.setIssuer(caName);
    caCert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    caCert.sign(ca.forgePrivate, forge.md.sha256.create());

    const server = keyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = server.forgePublic;
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(now.getTime() - 3600 * 1000);
    cert.validity.notAfter = years(2);
    cert.setSubject([{ name: "commonName", value: "localhost" }]);
    cert.setIssuer(caName);
    cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
            name: "subjectAltName",
            altNames: [
                { type: 2, value: "localhost" },
                { type: 7, ip: "127.0.0.1" },
                { type: 7, ip: "::1" },
            ],
        },
        { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(ca.forgePrivate, forge.md.sha256.create());

    const tokenKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const write = (name: string, content: string) => fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
    write("server-key.pem", server.privateKeyPem);
    write("server.pem", forge.pki.certificateToPem(cert));
    write("token-signing-key.pem", tokenKey.export({ type: "pkcs8", format: "pem" }).toString());
    write("ca.pem", forge.pki.certificateToPem(caCert)); // last: its presence marks a complete set
}

/** Where Debian, Ubuntu, Alpine (first) and Fedora/RHEL keep the system's CA bundle. */
const SYSTEM_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

/** Where loadOrCreatePki keeps the bundle for NODE_EXTRA_CA_CERTS, beside the CA certificate. */
export function nodeCaBundlePath(caCertPath: string): string {
    return path.join(path.dirname(caCertPath), "node-ca-bundle.pem");
}

/**
 * Writes the certificates of `sources` (PEM files; missing or unreadable ones are skipped) into one
 * bundle, each certificate once. A source may be the bundle itself, as when a shell that already
 * points at the emulator starts it again: its certificates are read before it is rewritten, so the
 * ones the user brought are kept.
 */
function writeBundle(bundlePath: string, sources: (string | undefined)[]): string {
    const seen = new Set<string>();
    const certs: string[] = [];
    for (const source of sources) {
        let text: string;
        try {
            text = source ? fs.readFileSync(source, "utf8") : "";
        } catch {
            continue;
        }
        for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
            const key = pem.replace(/\s+/g, "");
            if (!seen.has(key)) {
                seen.add(key);
                certs.push(pem);
            }
        }
    }
    const text = `${certs.join("\n")}\n`;
    if (!fs.existsSync(bundlePath) || fs.readFileSync(bundlePath, "utf8") !== text) {
        fs.writeFileSync(`${bundlePath}.tmp`, text);
        fs.renameSync(`${bundlePath}.tmp`, bundlePath);
    }
    return bundlePath;
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ImageKit.Tests.TestUtilities;

/// <summary>Certificates made for one test run: nothing is installed in a certificate store.</summary>
internal static class TestCertificates
{
    /// <summary>
    /// A self-signed server certificate for 127.0.0.1 (ECDSA P-256, valid from an hour ago for a day), with its private
    /// key. No client trusts it unless told to.
    /// </summary>
    public static X509Certificate2 SelfSignedForLoopback()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ImageKit test server", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));

        // Through PKCS#12 so the key is a persisted one that TLS on every platform can use, not an ephemeral handle.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }
}

// Olkit.ManifestPolicy, Manifest, ManifestInstalled, ManifestPlan and
// ManifestCheck (bindings/dotnet/Olkit.cs over olk_manifest_*) on Mono, on
// the fixtures ffi/tests/languages.rs makes for each run
// ($OLKIT_MANIFEST_FIXTURES: manifest.xml signed by the minisign command,
// manifest.pub, package.bin, bundle.zip and slip.zip made by python3):
// verification (signed, tampered, unsigned with and without a signature
// required, expired, rollback, format errors), products, the plan with an
// environment struct, package checks from a path and in chunks (good,
// flipped, one byte too many, MD5 only), bundles (and a zip-slip one
// refused), NULL handles, strings and outputs through the raw declarations,
// invalid UTF-8, and SafeHandle lifetimes. Built with mcs and run with mono
// by ffi/tests/languages.rs.
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Olkit;
using static Support;

/// Declarations with IntPtr where Olkit.Native has `out`, to pass NULL.
static class ManifestNullNative
{
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_manifest_policy_new(IntPtr policy);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_manifest_plan_new(ManifestHandle manifest, IntPtr environment,
        ManifestInstalledHandle installed, IntPtr plan);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_manifest_serial_to_store(ManifestHandle manifest, IntPtr hasValue, IntPtr value);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_manifest_check_finish(ManifestCheckHandle check, IntPtr strength, IntPtr bytes);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_manifest_extract_bundle(IntPtr zip, IntPtr dest, IntPtr report);
}

static class TestManifest
{
    // What ffi/tests/languages.rs puts in manifest.xml.
    const ulong Serial = 42;
    const long Expires = 4070908800; // 2099-01-01T00:00:00Z
    const string ConnectorUpgradeCode = "{5A7D0F22-6A4B-4F3E-9C1D-2B8E7F6A5C41}";
    const string LegacyUpgradeCode = "{0E5C3A8B-94F1-4D62-A7B3-C1D2E3F4A5B6}";
    const int Connector = 0, Legacy = 1, Beta = 2, ServerPlugin = 3, Helper = 4, Products = 5;

    static string Fixture(string name)
    {
        return EnvPath("OLKIT_MANIFEST_FIXTURES", name);
    }

    static byte[] Xml()
    {
        return File.ReadAllBytes(Fixture("manifest.xml"));
    }

    static byte[] Signature()
    {
        return File.ReadAllBytes(Fixture("manifest.xml.minisig"));
    }

    static ManifestPolicy PinnedPolicy()
    {
        return ManifestPolicy.Create().AddKey(File.ReadAllText(Fixture("manifest.pub")));
    }

    static Manifest SignedManifest()
    {
        using (ManifestPolicy policy = PinnedPolicy())
        {
            return Manifest.Verify(Xml(), Signature(), policy);
        }
    }

    /// The text of manifest.xml after the first `open` up to the next '<'.
    static string ManifestElement(string open)
    {
        string xml = File.ReadAllText(Fixture("manifest.xml"));
        int start = xml.IndexOf(open, StringComparison.Ordinal) + open.Length;
        return xml.Substring(start, xml.IndexOf('<', start) - start);
    }

    static ManifestEnvironment Environment()
    {
        return new ManifestEnvironment
        {
            ServerVersion = "7.0.0",
            OutlookVersion = "2016",
            OutlookBitness = ManifestArchitecture.X64,
            WindowsVersion = "10.0.19045",
            Architecture = ManifestArchitecture.X64,
            MachineId = "WS-0001",
        };
    }

    static void TestStatusAndEnums()
    {
        Check.Equal(2000, Status.ManifestFormat);
        Check.Equal(2014, Status.ManifestDestinationExists);
        Check.True(Library.StatusString(Status.ManifestRollback) != "unknown status", "described");
        Check.Equal("unknown status", Library.StatusString(2015));
    }

    static void TestVerify()
    {
        using (Manifest manifest = SignedManifest())
        {
            string pub = File.ReadAllText(Fixture("manifest.pub"));
            const string marker = "minisign public key ";
            int at = pub.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
            Check.Equal(pub.Substring(at, pub.IndexOf('\n', at) - at), manifest.KeyId);
            Check.Equal(0, manifest.Warnings.Length);
            Check.Equal((ulong?)Serial, manifest.SerialToStore);
            Check.Equal(Products, manifest.ProductCount);
        }
        byte[] tampered = Xml();
        tampered[tampered.Length / 2] ^= 0x01;
        using (ManifestPolicy policy = PinnedPolicy())
        using (ManifestPolicy optional = ManifestPolicy.Create().SetSignature(ManifestSignaturePolicy.Optional))
        {
            Check.Throws(Status.ManifestBadSignature, "does not match",
                () => Manifest.Verify(tampered, Signature(), policy));
            Check.Throws(Status.ManifestUnsigned, "not signed", () => Manifest.Verify(Xml(), null, policy));
            using (Manifest unsigned = Manifest.Verify(Xml(), null, optional))
            {
                Check.True(unsigned.Warnings.SequenceEqual(new[] { "the manifest is not signed" }), "warned");
                Check.Equal(null, unsigned.KeyId);
            }
            Check.Throws(Status.ManifestKey, "no trusted public key",
                () => Manifest.Verify(Xml(), Signature(), optional));
            Check.Throws(Status.ManifestFormat, "line 1",
                () => Manifest.Verify(Encoding.UTF8.GetBytes("<Products><Product>"), null, optional));

            policy.SetNow(Expires + 1);
            Check.Throws(Status.ManifestExpired, "expired", () => Manifest.Verify(Xml(), Signature(), policy));
            policy.SetNow(Expires - 1);
            using (Manifest m = Manifest.Verify(Xml(), Signature(), policy))
            {
                Check.Equal(Products, m.ProductCount);
            }
            policy.SetNow(0).SetLastSerial(Serial + 1);
            Check.Throws(Status.ManifestRollback, "rollback", () => Manifest.Verify(Xml(), Signature(), policy));
            policy.SetLastSerial(Serial);
            using (Manifest m = Manifest.Verify(Xml(), Signature(), policy))
            {
                Check.Equal((ulong?)Serial, m.SerialToStore);
            }
            policy.SetLastSerial(null);
            Manifest.Verify(Xml(), Signature(), policy).Dispose();

            Check.Throws(Status.ManifestKey, "minisign public key", () => policy.AddKey("not a key"));
            Check.Throws(Status.InvalidArgument, "olk_manifest_signature_policy",
                () => policy.SetSignature((ManifestSignaturePolicy)9));
            Check.Throws(Status.OutOfRange, "unix_seconds", () => policy.SetNow(long.MaxValue));
        }
    }

    static void TestProducts()
    {
        long size = new FileInfo(Fixture("package.bin")).Length;
        using (Manifest m = SignedManifest())
        {
            Check.Equal("Olkit Connector", m.Product(Connector, ManifestProductField.Name));
            Check.Equal("7.2.0.4567", m.Product(Connector, ManifestProductField.Version));
            Check.Equal(ConnectorUpgradeCode, m.Product(Connector, ManifestProductField.UpgradeCode));
            Check.Equal(ManifestElement("<olkit:Sha256>"), m.Product(Connector, ManifestProductField.Sha256));
            Check.Equal(ManifestElement("<MD5>"), m.Product(Legacy, ManifestProductField.Md5));
            Check.Equal("2016,365", m.Product(Connector, ManifestProductField.OutlookVersions));
            Check.Equal("beta", m.Product(Beta, ManifestProductField.Channel));
            Check.Equal(null, m.Product(Helper, ManifestProductField.Url));
            Check.Equal((ulong?)size, m.ProductNumber(Connector, ManifestProductNumberField.Size));
            Check.Equal((ulong?)1, m.ProductNumber(Connector, ManifestProductNumberField.Critical));
            Check.Equal((ulong?)3, m.ProductNumber(Connector, ManifestProductNumberField.RequiredCacheFormat));
            Check.Equal(null, m.ProductNumber(Connector, ManifestProductNumberField.RolloutPercent));
            string json = m.ProductJson(Connector);
            Check.True(json.Contains("\"text\":\"Schnellerer Abgleich. " + Gruesse + "\""), json);
            Check.True(json.Contains("\"size\":" + size), json);
            Check.Throws(Status.OutOfRange, "product index 5 is out of range",
                () => m.Product(Products, ManifestProductField.Name));
            Check.Throws(Status.InvalidArgument, "olk_manifest_product_field",
                () => m.Product(0, (ManifestProductField)0));
            Check.Throws(Status.OutOfRange, "product index", () => m.ProductJson(Products));
        }
    }

    static void TestPlan()
    {
        using (Manifest m = SignedManifest())
        using (ManifestInstalled installed = ManifestInstalled.Create()
            .Add(null, ConnectorUpgradeCode, "7.1.0", "Olkit Connector")
            .Add(null, LegacyUpgradeCode, "1.0.5", "Olkit Legacy Add-in"))
        {
            using (ManifestPlan plan = m.Plan(Environment(), installed))
            {
                Check.Equal(Products, plan.Count);
                Check.Equal(ManifestAction.Upgrade, plan.Action(Connector));
                Check.True(plan.Reasons(Connector).Contains("replaces version 7.1.0"), "replaces");
                Check.Equal("7.1.0", plan.Installed(Connector));
                Check.Equal((uint?)3, plan.CacheUpgrade(Connector));
                Check.Equal(ManifestAction.UpToDate, plan.Action(Legacy));
                Check.Equal(null, plan.CacheUpgrade(Legacy));
                Check.Equal(ManifestAction.NotApplicable, plan.Action(Beta));
                Check.Equal(ManifestAction.Blocked, plan.Action(ServerPlugin));
                Check.True(plan.Reasons(ServerPlugin).Contains(
                    "needs server version 9.0.0 or later; the server runs 7.0.0"), "server too old");
                Check.Equal(ManifestAction.Install, plan.Action(Helper));
                Check.Equal(null, plan.Installed(Helper));
                Check.True(plan.ApplyOrder().SequenceEqual(new[] { Connector, Helper }), "apply order");
                Check.True(plan.Json().Contains("\"order\":[0,4]"), plan.Json());
                Check.Throws(Status.OutOfRange, "plan item index 5", () => plan.Action(Products));
            }
            using (ManifestPlan plan = m.Plan(Environment()))
            {
                Check.Equal(ManifestAction.Install, plan.Action(Connector));
            }
            ManifestEnvironment env = Environment();
            env.ServerVersion = "seven";
            Check.Throws(Status.ManifestInvalidVersion, "environment.server_version", () => m.Plan(env));
            env = Environment();
            env.MachineId = null;
            Check.Throws(Status.NullArgument, "environment.machine_id", () => m.Plan(env));
            env = Environment();
            env.Architecture = ManifestArchitecture.Unknown;
            Check.Throws(Status.InvalidArgument, "environment.architecture", () => m.Plan(env));
            env = Environment();
            env.Channel = "sta\0ble";
            Check.Throws(Status.EmbeddedNul, "NUL", () => m.Plan(env));
            Check.Throws(Status.ManifestInvalidVersion, "version", () => installed.Add(null, null, "1..0", "x"));
            Check.Throws(Status.NullArgument, "`name`", () => installed.Add(null, null, "1.0", null));

            // A struct_size smaller than this version's struct is refused.
            using (var machine = new Utf8Arg("WS-0001"))
            {
                var raw = new ManifestEnvironmentNative { StructSize = 4, MachineId = machine.Pointer };
                ManifestPlanHandle planOut;
                Check.Status(Status.InvalidArgument, Native.olk_manifest_plan_new(m.Handle, ref raw,
                    installed.Handle, out planOut));
                Check.True(Library.LastErrorMessage().Contains("struct_size"), "names struct_size");
                Check.True(planOut.IsInvalid, "no plan on failure");
            }
        }
    }

    static void TestPackages()
    {
        byte[] package = File.ReadAllBytes(Fixture("package.bin"));
        using (Manifest m = SignedManifest())
        {
            ManifestVerdict verdict = m.VerifyPackage(Connector, Fixture("package.bin"));
            Check.Equal(ManifestDigest.Sha256, verdict.Strength);
            Check.Equal((ulong)package.Length, verdict.Bytes);
            Check.Equal(ManifestDigest.WeakMd5, m.VerifyPackage(Legacy, Fixture("package.bin")).Strength);
            Check.Throws(Status.ManifestNoDigest, "neither", () => m.VerifyPackage(ServerPlugin, Fixture("package.bin")));

            // In chunks: good, then over.
            using (ManifestCheck check = m.CheckPackage(Connector))
            {
                for (int at = 0; at < package.Length; at += 4096)
                {
                    check.Update(package.Skip(at).Take(4096).ToArray());
                }
                ManifestVerdict chunked = check.Finish();
                Check.Equal(ManifestDigest.Sha256, chunked.Strength);
                Check.Equal((ulong)package.Length, chunked.Bytes);
                Check.Throws(Status.InvalidArgument, "over", () => check.Finish());
            }
            // One byte too many.
            using (ManifestCheck check = m.CheckPackage(Connector))
            {
                check.Update(package);
                Check.Throws(Status.ManifestPackageTooLarge, "larger than", () => check.Update(new byte[] { 0x42 }));
            }
            // One byte flipped, in memory and in a file.
            package[4242] ^= 0x04;
            using (ManifestCheck check = m.CheckPackage(Connector))
            {
                check.Update(package);
                Check.Throws(Status.ManifestPackageMismatch, "SHA-256", () => check.Finish());
            }
            File.WriteAllBytes("manifest-flipped-cs.bin", package);
            Check.Throws(Status.ManifestPackageMismatch, "SHA-256",
                () => m.VerifyPackage(Connector, "manifest-flipped-cs.bin"));
            Check.Throws(Status.ManifestPackageMismatch, "MD5",
                () => m.VerifyPackage(Legacy, "manifest-flipped-cs.bin"));
            Check.Throws(Status.ManifestNoDigest, "neither", () => m.CheckPackage(ServerPlugin));
        }
    }

    static void TestBundles()
    {
        string report = Manifest.ExtractBundle(Fixture("bundle.zip"), "manifest-bundle-cs");
        Check.True(report.Contains("\"files\":2") && report.Contains("\"directories\":1"), report);
        Check.True(Same(File.ReadAllBytes(Fixture("bundle-readme.txt")),
            File.ReadAllBytes("manifest-bundle-cs/docs/readme.txt")), "readme extracted");
        Check.True(Same(File.ReadAllBytes(Fixture("bundle-setup.bin")),
            File.ReadAllBytes("manifest-bundle-cs/setup.bin")), "setup extracted");
        Check.Throws(Status.ManifestDestinationExists, "exists",
            () => Manifest.ExtractBundle(Fixture("bundle.zip"), "manifest-bundle-cs"));
        Check.Throws(Status.ManifestBundleUnsafe, "../evil.txt",
            () => Manifest.ExtractBundle(Fixture("slip.zip"), "manifest-slip-cs"));
        Check.True(!Directory.Exists("manifest-slip-cs"), "nothing left behind");
        Check.Throws(Status.ManifestBundleCorrupt, "bundle",
            () => Manifest.ExtractBundle(Fixture("package.bin"), "manifest-notzip-cs"));
    }

    static void TestNullArguments()
    {
        using (Manifest m = SignedManifest())
        using (ManifestPolicy policy = PinnedPolicy())
        using (ManifestCheck check = m.CheckPackage(Connector))
        {
            IntPtr text;
            ManifestHandle manifestOut;
            ManifestPlanHandle planOut;
            uint strength;
            ulong bytes;
            IntPtr zip = Utf8.Alloc(Fixture("bundle.zip"));
            try
            {
                Check.Status(Status.NullArgument, ManifestNullNative.olk_manifest_policy_new(IntPtr.Zero));
                Check.Status(Status.NullArgument, Native.olk_manifest_policy_add_key(policy.Handle, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`key`"), "names `key`");
                Check.Status(Status.NullArgument, Native.olk_manifest_policy_add_key(new ManifestPolicyHandle(), zip));
                Check.Status(Status.NullArgument, Native.olk_manifest_verify(null, (UIntPtr)3, null, UIntPtr.Zero,
                    policy.Handle, out manifestOut));
                Check.True(Library.LastErrorMessage().Contains("`data`"), "names `data`");
                Check.Status(Status.NullArgument, Native.olk_manifest_verify(Xml(), (UIntPtr)3, null, (UIntPtr)5,
                    policy.Handle, out manifestOut));
                Check.True(Library.LastErrorMessage().Contains("`signature`"), "names `signature`");
                Check.Status(Status.NullArgument, Native.olk_manifest_verify(Xml(), (UIntPtr)3, null, UIntPtr.Zero,
                    new ManifestPolicyHandle(), out manifestOut));
                Check.True(manifestOut.IsInvalid, "no manifest on failure");
                Check.Status(Status.NullArgument, Native.olk_manifest_product_get(new ManifestHandle(), UIntPtr.Zero,
                    1, out text));
                Check.True(Library.LastErrorMessage().Contains("`manifest`"), "names `manifest`");
                Check.Status(Status.NullArgument, ManifestNullNative.olk_manifest_serial_to_store(m.Handle,
                    IntPtr.Zero, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`has_value`"), "names `has_value`");
                Check.Status(Status.NullArgument, ManifestNullNative.olk_manifest_plan_new(m.Handle, IntPtr.Zero,
                    new ManifestInstalledHandle(), IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`environment`"), "names `environment`");
                Check.Status(Status.NullArgument, Native.olk_manifest_installed_add(new ManifestInstalledHandle(),
                    IntPtr.Zero, IntPtr.Zero, zip, zip));
                Check.Status(Status.NullArgument, Native.olk_manifest_plan_json(new ManifestPlanHandle(), out text));
                Check.Status(Status.NullArgument, Native.olk_manifest_verify_package(m.Handle, UIntPtr.Zero,
                    IntPtr.Zero, out strength, out bytes));
                Check.True(Library.LastErrorMessage().Contains("`path`"), "names `path`");
                Check.Status(Status.NullArgument, Native.olk_manifest_check_update(check.Handle, null, (UIntPtr)1));
                Check.Status(Status.NullArgument, ManifestNullNative.olk_manifest_check_finish(check.Handle,
                    IntPtr.Zero, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`strength`"), "names `strength`");
                Check.Status(Status.NullArgument, ManifestNullNative.olk_manifest_extract_bundle(zip, IntPtr.Zero,
                    IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`dest`"), "names `dest`");
                var env = new ManifestEnvironmentNative();
                Check.Status(Status.NullArgument, Native.olk_manifest_plan_new(new ManifestHandle(), ref env,
                    new ManifestInstalledHandle(), out planOut));
                Check.True(Library.LastErrorMessage().Contains("`manifest`"), "names `manifest`");
            }
            finally
            {
                Marshal.FreeHGlobal(zip);
            }
        }
    }

    static void TestInvalidUtf8()
    {
        using (Manifest m = SignedManifest())
        using (ManifestPolicy policy = ManifestPolicy.Create())
        using (ManifestInstalled installed = ManifestInstalled.Create())
        {
            IntPtr bad = RawBytes(0x61, 0x62, 0xFF);
            IntPtr ok = Utf8.Alloc("1.0");
            try
            {
                uint strength;
                ulong bytes;
                IntPtr text;
                Check.Status(Status.InvalidUtf8, Native.olk_manifest_policy_add_key(policy.Handle, bad));
                Check.True(Library.LastErrorMessage().Contains(
                    "argument `key` is not valid UTF-8: invalid byte at offset 2"), "names `key` and the offset");
                Check.Status(Status.InvalidUtf8, Native.olk_manifest_installed_add(installed.Handle, IntPtr.Zero,
                    bad, ok, ok));
                Check.True(Library.LastErrorMessage().Contains("`upgrade_code`"), "names `upgrade_code`");
                Check.Status(Status.InvalidUtf8, Native.olk_manifest_verify_package(m.Handle, UIntPtr.Zero, bad,
                    out strength, out bytes));
                Check.Status(Status.InvalidUtf8, Native.olk_manifest_extract_bundle(bad, ok, out text));
                Check.True(Library.LastErrorMessage().Contains("`zip`"), "names `zip`");
                var raw = new ManifestEnvironmentNative
                {
                    StructSize = (uint)Marshal.SizeOf(typeof(ManifestEnvironmentNative)),
                    Architecture = (uint)ManifestArchitecture.X64,
                    OutlookVersion = bad,
                    MachineId = ok,
                };
                ManifestPlanHandle planOut;
                Check.Status(Status.InvalidUtf8, Native.olk_manifest_plan_new(m.Handle, ref raw, installed.Handle,
                    out planOut));
                Check.True(Library.LastErrorMessage().Contains("`environment.outlook_version`"),
                    "names `environment.outlook_version`");
            }
            finally
            {
                Marshal.FreeHGlobal(bad);
                Marshal.FreeHGlobal(ok);
            }
        }
    }

    static void TestDispose()
    {
        ManifestPolicy policy = ManifestPolicy.Create();
        Check.Disposes(policy, () => policy.SetNow(1));
        Manifest manifest = SignedManifest();
        ManifestInstalled installed = ManifestInstalled.Create();
        ManifestPlan plan = manifest.Plan(Environment(), installed);
        ManifestCheck check = manifest.CheckPackage(Connector);
        Check.Disposes(manifest, () => manifest.ProductJson(0));
        Check.Disposes(installed, () => installed.Add(null, null, "1.0", "x"));
        // Plans and checks outlive the manifest they were made from.
        Check.Equal(Products, plan.Count);
        check.Update(new byte[] { 1, 2, 3 });
        Check.Disposes(plan, () => plan.Json());
        Check.Disposes(check, () => check.Finish());
    }

    static int Main()
    {
        return Check.Run(TestStatusAndEnums, TestVerify, TestProducts, TestPlan, TestPackages, TestBundles,
            TestNullArguments, TestInvalidUtf8, TestDispose);
    }
}

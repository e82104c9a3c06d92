// Olkit.Updates, UpdatesRequest, UpdatesCheck and ManifestPlan.CheckPackage
// (bindings/dotnet/Olkit.cs over olk_updates_*) on Mono, on the examples of
// the repository ($OLKIT_SOURCE_DIR/examples: manifest.xml signed with
// manifest.pub, installed-products.reg, manifest-env.json,
// olkit-sample.msi) and the key ffi/tests/languages.rs makes for each run
// ($OLKIT_MANIFEST_FIXTURES/manifest.pub, not the examples' key): the
// layout of UpdatesRequestNative against the C struct, the plan and the
// updater's list of the example (Olkit Sample 1.1.0 to 1.5.0, the serial
// to store), a JSON inventory and none, refusals (unsigned unless allowed,
// another key, not a key, rollback, expired, tampered, a bad environment
// or inventory), the download of olkit-sample.msi checked in chunks from
// the plan (a flipped byte, a short one and another item's package
// refused), null and invalid arguments through the wrappers and the raw
// declarations, and SafeHandle lifetimes. Built with mcs and run with mono
// by ffi/tests/languages.rs.
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Olkit;
using static Support;

/// Declarations with IntPtr where Olkit.Native has `ref` or `out`, to pass NULL.
static class UpdatesNullNative
{
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_updates_check(IntPtr request, IntPtr plan, IntPtr reportJson,
        IntPtr serialToStore);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_updates_check(ref UpdatesRequestNative request, IntPtr plan, IntPtr reportJson,
        IntPtr serialToStore);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_updates_check(ref UpdatesRequestNative request, out ManifestPlanHandle plan,
        IntPtr reportJson, IntPtr serialToStore);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_updates_package_check_new(ManifestPlanHandle plan, UIntPtr item, IntPtr check);
}

static class TestUpdates
{
    // The products of examples/manifest.xml, in its order.
    const int Oxtender = 0, OxDrive = 1, Sample = 2, Products = 3;
    const long AfterExpiry = 2082758400; // 2036-01-01T00:00:00Z; it expires 2035-06-01
    const long BeforeExpiry = 1767225600; // 2026-01-01T00:00:00Z

    static byte[] Example(string name)
    {
        return File.ReadAllBytes(SourcePath("examples/" + name));
    }

    static string ManifestText()
    {
        return File.ReadAllText(SourcePath("examples/manifest.xml"));
    }

    /// The text of examples/manifest.xml between `before` (after its
    /// occurrence at or after `from`) and the next `end`.
    static string Between(string before, char end, string from = "")
    {
        string xml = ManifestText();
        int start = xml.IndexOf(before, xml.IndexOf(from, StringComparison.Ordinal), StringComparison.Ordinal)
            + before.Length;
        return xml.Substring(start, xml.IndexOf(end, start) - start);
    }

    /// The manifest's serial, as its olkit:serial attribute has it.
    static ulong Serial()
    {
        return ulong.Parse(Between("olkit:serial=\"", '"'));
    }

    /// The request of the example: signed, its key, the .reg, the machine.
    static UpdatesRequest ExampleRequest()
    {
        return new UpdatesRequest
        {
            Manifest = Example("manifest.xml"),
            Signature = Example("manifest.xml.minisig"),
            PublicKeys = new[] { File.ReadAllText(SourcePath("examples/manifest.pub")) },
            Inventory = Example("installed-products.reg"),
            EnvironmentJson = File.ReadAllText(SourcePath("examples/manifest-env.json")),
        };
    }

    static string OtherKey()
    {
        return File.ReadAllText(EnvPath("OLKIT_MANIFEST_FIXTURES", "manifest.pub"));
    }

    static string Hex(byte[] bytes)
    {
        return string.Concat(bytes.Select(b => b.ToString("x2")));
    }

    /// Checks request and returns only the plan (which UpdatesCheck's Dispose would close).
    static ManifestPlan PlanOf(UpdatesRequest request)
    {
        return Updates.Check(request).Plan;
    }

    /// Runs body, which must throw an exception of type expected (not an OlkitException).
    static void Throws(Type expected, Action body,
        [System.Runtime.CompilerServices.CallerLineNumber] int line = 0)
    {
        string got = "nothing";
        try
        {
            body();
        }
        catch (Exception e)
        {
            got = e.GetType().Name;
        }
        Check.True(got == expected.Name, "line " + line + ": expected " + expected.Name + ", got " + got);
    }

    /// C's layout of olk_updates_request (include/olkit.h), field by field:
    /// each field at the next multiple of its alignment, the size rounded
    /// up to the largest alignment. Pointers and size_t are IntPtr.Size,
    /// (u)int64_t 8-aligned (as on x86-64 and in MSVC's x86).
    static void TestLayout()
    {
        int p = IntPtr.Size;
        var fields = new[]
        {
            Tuple.Create("StructSize", 4), Tuple.Create("Manifest", p), Tuple.Create("ManifestLen", p),
            Tuple.Create("Signature", p), Tuple.Create("SignatureLen", p), Tuple.Create("PublicKeys", p),
            Tuple.Create("PublicKeyCount", p), Tuple.Create("AllowUnsigned", 1),
            Tuple.Create("HasLastSerial", 1), Tuple.Create("LastSerial", 8), Tuple.Create("Inventory", p),
            Tuple.Create("InventoryLen", p), Tuple.Create("EnvironmentJson", p), Tuple.Create("HasNow", 1),
            Tuple.Create("NowUnix", 8),
        };
        int offset = 0, largest = 1;
        foreach (var field in fields)
        {
            int size = field.Item2;
            offset = (offset + size - 1) / size * size;
            Check.Equal(offset, Marshal.OffsetOf(typeof(UpdatesRequestNative), field.Item1).ToInt32());
            offset += size;
            largest = Math.Max(largest, size);
        }
        int total = (offset + largest - 1) / largest * largest;
        Check.Equal(total, Marshal.SizeOf(typeof(UpdatesRequestNative)));
        if (p == 8)
        {
            Check.Equal(112, total);
        }
        Check.Equal(fields.Length, typeof(UpdatesRequestNative).GetFields().Length);
    }

    static void TestPlanAndReport()
    {
        string sha256;
        using (var hash = SHA256.Create())
        {
            sha256 = Hex(hash.ComputeHash(Example("olkit-sample.msi")));
        }
        using (UpdatesCheck result = Updates.Check(ExampleRequest()))
        {
            ManifestPlan plan = result.Plan;
            Check.Equal((ulong?)Serial(), result.SerialToStore);
            Check.Equal(Products, plan.Count);
            // Olkit Sample: 1.0.5 for this user and 1.1.0 for the machine in
            // the .reg (2.0.0 is another user's): the manifest's upgrades 1.1.0.
            Check.Equal(ManifestAction.Upgrade, plan.Action(Sample));
            Check.Equal("1.1.0", plan.Installed(Sample));
            Check.True(plan.Reasons(Sample).Contains("replaces version 1.1.0"), string.Join("; ",
                plan.Reasons(Sample)));
            // The OXtender is not in the .reg: an install, critical, so first.
            Check.Equal(ManifestAction.Install, plan.Action(Oxtender));
            Check.Equal(null, plan.Installed(Oxtender));
            Check.Equal(ManifestAction.NotApplicable, plan.Action(OxDrive));
            Check.True(plan.ApplyOrder().SequenceEqual(new[] { Oxtender, Sample }), "apply order");

            string report = result.ReportJson;
            string offered = Between("<Version>", '<', "<Name>Olkit Sample</Name>");
            Check.Equal("1.5.0", offered);
            string[] wanted =
            {
                "\"signed\":true", "\"serial\":" + Serial(), "\"serial_to_store\":" + Serial(), "\"key_id\":",
                "\"items\":[", "\"order\":[" + Oxtender + "," + Sample + "]", "\"product\":\"Olkit Sample\"",
                "\"installed\":\"1.1.0\"", "\"offered\":\"" + offered + "\"", "\"action\":\"upgrade\"",
                "\"importance\":\"Normal\"", "\"critical\":false", "\"details\":[", "\"reasons\":[",
                "\"url\":\"" + Between("<URL>", '<', "<Name>Olkit Sample</Name>") + "\"",
                "\"size\":" + Example("olkit-sample.msi").Length, "\"sha256\":\"" + sha256 + "\"",
                "\"action\":\"install\"", "\"action\":\"not-applicable\"", "\"cache_upgrade\":3",
            };
            foreach (string key in wanted)
            {
                Check.True(report.Contains(key), key + " in " + report);
            }
        }

        // The JSON list `olkit manifest plan --installed` reads gives the same plan.
        UpdatesRequest request = ExampleRequest();
        request.Inventory = Encoding.UTF8.GetBytes(
            " [{\"upgrade_code\": \"" + Between("<UpgradeCode>", '<', "<Name>Olkit Sample</Name>")
            + "\", \"version\": \"1.1.0\", \"name\": \"Olkit Sample\"}]");
        using (UpdatesCheck result = Updates.Check(request))
        {
            Check.Equal(ManifestAction.Upgrade, result.Plan.Action(Sample));
            Check.Equal("1.1.0", result.Plan.Installed(Sample));
        }
        // Nothing installed: an install.
        request.Inventory = null;
        using (UpdatesCheck result = Updates.Check(request))
        {
            Check.Equal(ManifestAction.Install, result.Plan.Action(Sample));
            Check.True(result.ReportJson.Contains("\"order\":[" + Oxtender + "," + Sample + "]"),
                result.ReportJson);
        }
        request.Inventory = Encoding.UTF8.GetBytes("[{\"version\": 1}]");
        Check.Throws(Status.InvalidArgument, "argument `request.inventory`", () => Updates.Check(request));
        Check.True(Library.LastErrorMessage().Contains("line 1"), "says where");
        request.Inventory = Encoding.UTF8.GetBytes("hello");
        Check.Throws(Status.RegBadHeader, "argument `request.inventory`", () => Updates.Check(request));
    }

    static void TestRefusals()
    {
        // Unsigned: refused unless allowed; allowed, the serial still counts.
        UpdatesRequest request = ExampleRequest();
        request.Signature = null;
        Check.Throws(Status.ManifestUnsigned, "not signed", () => Updates.Check(request));
        request.AllowUnsigned = true;
        using (UpdatesCheck result = Updates.Check(request))
        {
            Check.Equal((ulong?)Serial(), result.SerialToStore);
            Check.True(result.ReportJson.Contains("\"signed\":false"), result.ReportJson);
            Check.True(result.ReportJson.Contains("\"key_id\":null"), result.ReportJson);
        }
        // Allowed unsigned, a signature given is still verified.
        request = ExampleRequest();
        request.AllowUnsigned = true;
        request.PublicKeys = new[] { OtherKey() };
        Check.Throws(Status.ManifestBadSignature, "", () => Updates.Check(request));

        // Another key, not a key, no key.
        request = ExampleRequest();
        request.PublicKeys = new[] { OtherKey() };
        Check.Throws(Status.ManifestBadSignature, "", () => Updates.Check(request));
        request.PublicKeys = new[] { "not a key" };
        Check.Throws(Status.ManifestKey, "argument `request.public_keys[0]`", () => Updates.Check(request));
        request.PublicKeys = new[] { OtherKey(), "not a key" };
        Check.Throws(Status.ManifestKey, "argument `request.public_keys[1]`", () => Updates.Check(request));
        request.PublicKeys = null;
        Check.Throws(Status.ManifestKey, "", () => Updates.Check(request));
        // Among several pinned keys, the right one is enough.
        request.PublicKeys = new[] { OtherKey(), File.ReadAllText(SourcePath("examples/manifest.pub")) };
        Updates.Check(request).Dispose();

        // Rollback: a higher serial stored is refused, the same accepted.
        request = ExampleRequest();
        request.LastSerial = Serial() + 1;
        Check.Throws(Status.ManifestRollback, Serial().ToString(), () => Updates.Check(request));
        request.LastSerial = Serial();
        using (UpdatesCheck result = Updates.Check(request))
        {
            Check.Equal((ulong?)Serial(), result.SerialToStore);
        }

        // Expired at a later clock; fine at an earlier one.
        request = ExampleRequest();
        request.NowUnix = AfterExpiry;
        Check.Throws(Status.ManifestExpired, "expired", () => Updates.Check(request));
        request.NowUnix = BeforeExpiry;
        Updates.Check(request).Dispose();
        request.NowUnix = long.MaxValue;
        Check.Throws(Status.OutOfRange, "request.now_unix", () => Updates.Check(request));

        // Tampered: a digit of the OXtender's <Version> changed.
        request = ExampleRequest();
        string xml = ManifestText();
        int at = xml.IndexOf("<Version>7.10.6", StringComparison.Ordinal);
        Check.True(at > 0, "the OXtender's version found");
        byte[] tampered = Encoding.UTF8.GetBytes(xml.Substring(0, at) + "<Version>7.10.7"
            + xml.Substring(at + "<Version>7.10.6".Length));
        Check.Equal(request.Manifest.Length, tampered.Length);
        request.Manifest = tampered;
        Check.Throws(Status.ManifestBadSignature, "", () => Updates.Check(request));
        // Accepted unsigned, the change shows.
        request.Signature = null;
        request.AllowUnsigned = true;
        using (UpdatesCheck result = Updates.Check(request))
        {
            Check.True(result.ReportJson.Contains("\"offered\":\"7.10.7\""), result.ReportJson);
        }

        // A bad environment; none at all: the defaults (the OXtender needs what they leave unknown).
        request = ExampleRequest();
        request.EnvironmentJson = "{\"architecture\": \"arm\"}";
        Check.Throws(Status.InvalidArgument, "argument `request.environment_json`", () => Updates.Check(request));
        request.EnvironmentJson = null;
        using (UpdatesCheck result = Updates.Check(request))
        {
            ManifestAction action = result.Plan.Action(Oxtender);
            Check.True(action == ManifestAction.Blocked || action == ManifestAction.NotApplicable,
                "the OXtender without a machine: " + action);
        }
        // Not a manifest.
        request = ExampleRequest();
        request.Signature = null;
        request.AllowUnsigned = true;
        request.Manifest = Encoding.UTF8.GetBytes("<Products><Product>");
        Check.Throws(Status.ManifestFormat, "line 1", () => Updates.Check(request));
        request.Manifest = new byte[0];
        Check.Throws(Status.ManifestFormat, "", () => Updates.Check(request));
    }

    /// Feeds data to the check of item of plan in chunks of chunk bytes and finishes it.
    static ManifestVerdict Download(ManifestPlan plan, int item, byte[] data, int chunk)
    {
        using (ManifestCheck check = plan.CheckPackage(item))
        {
            for (int at = 0; at < data.Length; at += chunk)
            {
                check.Update(data.Skip(at).Take(chunk).ToArray());
            }
            return check.Finish();
        }
    }

    static void TestDownload()
    {
        byte[] package = Example("olkit-sample.msi");
        using (UpdatesCheck result = Updates.Check(ExampleRequest()))
        {
            ManifestPlan plan = result.Plan;
            ManifestVerdict verdict = Download(plan, Sample, package, 4096);
            Check.Equal(ManifestDigest.Sha256, verdict.Strength);
            Check.Equal((ulong)package.Length, verdict.Bytes);
            Check.Equal((ulong)package.Length, Download(plan, Sample, package, package.Length).Bytes);

            byte[] flipped = (byte[])package.Clone();
            flipped[flipped.Length / 2] ^= 1;
            Check.Throws(Status.ManifestPackageMismatch, "the manifest says " + Between("<olkit:Sha256>", '<',
                "<Name>Olkit Sample</Name>").Substring(0, 8), () => Download(plan, Sample, flipped, 1000));
            byte[] shorter = package.Take(package.Length - 1).ToArray();
            Check.Throws(Status.ManifestPackageTruncated, "", () => Download(plan, Sample, shorter, 4096));
            // The OXtender's package is smaller (examples/oxtender-sample.msi).
            Check.Throws(Status.ManifestPackageTooLarge, "", () => Download(plan, Oxtender, package, 4096));
            Check.Throws(Status.OutOfRange, "", () => plan.CheckPackage(Products));
            Throws(typeof(ArgumentOutOfRangeException), () => plan.CheckPackage(-1));
        }
        // The check outlives the plan and the result.
        UpdatesCheck outlived = Updates.Check(ExampleRequest());
        ManifestCheck check = outlived.Plan.CheckPackage(Sample);
        outlived.Dispose();
        check.Update(package);
        Check.Equal((ulong)package.Length, check.Finish().Bytes);
        check.Dispose();
    }

    static void TestArguments()
    {
        Throws(typeof(ArgumentNullException), () => Updates.Check(null));
        UpdatesRequest request = ExampleRequest();
        request.Manifest = null;
        Throws(typeof(ArgumentNullException), () => Updates.Check(request));
        // A null key is passed on as NULL, and named.
        request = ExampleRequest();
        request.PublicKeys = new string[] { null };
        Check.Throws(Status.NullArgument, "request.public_keys[0]", () => Updates.Check(request));
        request.PublicKeys = new[] { "RW\0T" };
        Check.Throws(Status.EmbeddedNul, "NUL", () => Updates.Check(request));
        request = ExampleRequest();
        request.EnvironmentJson = "{\0}";
        Check.Throws(Status.EmbeddedNul, "NUL", () => Updates.Check(request));

        // Through the raw declarations: NULL pointers, lengths without
        // buffers, bad flags, invalid UTF-8, a small struct_size.
        byte[] manifest = Example("manifest.xml");
        GCHandle pin = GCHandle.Alloc(manifest, GCHandleType.Pinned);
        IntPtr bad = RawBytes(0x7B, 0xFF, 0x7D);
        try
        {
            Func<UpdatesRequestNative> unsigned = () => new UpdatesRequestNative
            {
                StructSize = (uint)Marshal.SizeOf(typeof(UpdatesRequestNative)),
                Manifest = pin.AddrOfPinnedObject(),
                ManifestLen = (UIntPtr)manifest.Length,
                AllowUnsigned = 1,
            };
            ManifestPlanHandle planOut;
            IntPtr report;
            ulong serial;
            UpdatesRequestNative raw = unsigned();
            Check.Status(Status.Ok, Native.olk_updates_check(ref raw, out planOut, out report, out serial));
            Check.Equal(Serial(), serial);
            Check.True(Utf8.Take(report).Contains("\"signed\":false"), "the raw report");
            Check.Equal(Products, new ManifestPlan(planOut).Count);
            planOut.Dispose();
            // The outputs other than the plan are optional.
            Check.Status(Status.Ok, UpdatesNullNative.olk_updates_check(ref raw, out planOut, IntPtr.Zero,
                IntPtr.Zero));
            Check.Equal(ManifestAction.Install, new ManifestPlan(planOut).Action(Sample));
            planOut.Dispose();

            Check.Status(Status.NullArgument, UpdatesNullNative.olk_updates_check(IntPtr.Zero, IntPtr.Zero,
                IntPtr.Zero, IntPtr.Zero));
            Check.True(Library.LastErrorMessage().Contains("`request`"), "names `request`");
            Check.Status(Status.NullArgument, UpdatesNullNative.olk_updates_check(ref raw, IntPtr.Zero,
                IntPtr.Zero, IntPtr.Zero));
            Check.True(Library.LastErrorMessage().Contains("`plan_out`"), "names `plan_out`");
            raw.Manifest = IntPtr.Zero;
            raw.ManifestLen = UIntPtr.Zero;
            Check.Status(Status.NullArgument, Native.olk_updates_check(ref raw, out planOut, out report, out serial));
            Check.True(Library.LastErrorMessage().Contains("`request.manifest`"), "names `request.manifest`");
            Check.True(planOut.IsInvalid, "no plan on failure");
            raw = unsigned();
            raw.SignatureLen = (UIntPtr)5;
            Check.Status(Status.NullArgument, Native.olk_updates_check(ref raw, out planOut, out report, out serial));
            Check.True(Library.LastErrorMessage().Contains("`request.signature`"), "names `request.signature`");
            raw = unsigned();
            raw.PublicKeyCount = (UIntPtr)1;
            Check.Status(Status.NullArgument, Native.olk_updates_check(ref raw, out planOut, out report, out serial));
            Check.True(Library.LastErrorMessage().Contains("`request.public_keys`"), "names `request.public_keys`");
            raw = unsigned();
            raw.InventoryLen = (UIntPtr)1;
            Check.Status(Status.NullArgument, Native.olk_updates_check(ref raw, out planOut, out report, out serial));
            Check.True(Library.LastErrorMessage().Contains("`request.inventory`"), "names `request.inventory`");
            raw = unsigned();
            raw.EnvironmentJson = bad;
            Check.Status(Status.InvalidUtf8, Native.olk_updates_check(ref raw, out planOut, out report, out serial));
            Check.True(Library.LastErrorMessage().Contains("`request.environment_json`"),
                "names `request.environment_json`");
            raw = unsigned();
            raw.AllowUnsigned = 2;
            Check.Status(Status.InvalidArgument, Native.olk_updates_check(ref raw, out planOut, out report,
                out serial));
            Check.True(Library.LastErrorMessage().Contains("request.allow_unsigned"), "names allow_unsigned");
            raw = unsigned();
            raw.HasLastSerial = 255;
            Check.Status(Status.InvalidArgument, Native.olk_updates_check(ref raw, out planOut, out report,
                out serial));
            Check.True(Library.LastErrorMessage().Contains("request.has_last_serial"), "names has_last_serial");
            raw = unsigned();
            raw.HasNow = 3;
            Check.Status(Status.InvalidArgument, Native.olk_updates_check(ref raw, out planOut, out report,
                out serial));
            Check.True(Library.LastErrorMessage().Contains("request.has_now"), "names has_now");
            // One byte short of this version's struct.
            raw = unsigned();
            raw.StructSize -= 1;
            Check.Status(Status.InvalidArgument, Native.olk_updates_check(ref raw, out planOut, out report,
                out serial));
            Check.True(Library.LastErrorMessage().Contains("sizeof(olk_updates_request)"), "names the size");
            Check.True(planOut.IsInvalid, "no plan on failure");

            using (ManifestPlan plan = PlanOf(ExampleRequest()))
            {
                Check.Status(Status.NullArgument, UpdatesNullNative.olk_updates_package_check_new(plan.Handle,
                    (UIntPtr)Sample, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`out`"), "names `out`");
                ManifestCheckHandle checkOut;
                Check.Status(Status.NullArgument, Native.olk_updates_package_check_new(new ManifestPlanHandle(),
                    (UIntPtr)Sample, out checkOut));
                Check.True(Library.LastErrorMessage().Contains("`plan`"), "names `plan`");
                Check.True(checkOut.IsInvalid, "no check on failure");
            }
        }
        finally
        {
            pin.Free();
            Marshal.FreeHGlobal(bad);
        }
    }

    static void TestDispose()
    {
        UpdatesCheck result = Updates.Check(ExampleRequest());
        ManifestPlan plan = result.Plan;
        result.Dispose();
        Check.True(plan.Handle.IsClosed, "disposing the result closes its plan");
        Throws(typeof(ObjectDisposedException), () => plan.CheckPackage(Sample));
        result.Dispose(); // twice is fine
        ManifestPlan other = PlanOf(ExampleRequest());
        Check.Disposes(other, () => other.CheckPackage(Sample));
    }

    static int Main()
    {
        return Check.Run(TestLayout, TestPlanAndReport, TestRefusals, TestDownload, TestArguments, TestDispose);
    }
}

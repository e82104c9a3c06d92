// Olkit.ProfileSet, Profiles and ProfileConversion (bindings/dotnet/Olkit.cs
// over olk_profile_*, KOC to KOFF profile conversion) on Mono, on the
// fixtures ffi/tests/languages.rs copies for each run from
// crates/profile-convert/tests/fixtures ($OLKIT_PROFILE_FIXTURES:
// kerio-one-user.reg with the KOC profile "Kerio" on mail.example.com,
// two-users-both-roots.reg, koc.prf): the set's counts and JSON, plans with
// probe delegates answering reachable, unreachable and too old (asked
// about the KOC profile's server; the garbage collector runs inside the
// delegate, which must stay alive), an exception thrown by the delegate
// (a cancel, rethrown), the conversion (converted bytes that differ, an
// undo export that Olkit.RegFile reads, "already KOFF" on the converted
// export), scope options, caller rules good and bad (Status.ProfileRules
// with its line), a .prf conversion, NULL arguments and a struct_size too small through the
// raw declarations. Built with mcs and run with mono by
// ffi/tests/languages.rs.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Olkit;
using static Support;

/// Declarations with IntPtr where Olkit.Native has `ref` or `out`, to pass NULL.
static class ProfileNullNative
{
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_profile_set_parse(IntPtr data, UIntPtr len, IntPtr set);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_profile_set_count(IntPtr set, IntPtr profiles);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_profile_plan([In] byte[] data, UIntPtr len, IntPtr options, IntPtr probe,
        IntPtr userdata, IntPtr planJson);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_profile_conversion_counts(IntPtr conversion, IntPtr converted, IntPtr blocked,
        IntPtr already);
}

static class TestProfile
{
    const string SidA = "S-1-5-21-1004336348-1177238915-682003330-1001";
    const string SidB = "S-1-5-21-1004336348-1177238915-682003330-1002";

    static byte[] Fixture(string name)
    {
        return File.ReadAllBytes(EnvPath("OLKIT_PROFILE_FIXTURES", name));
    }

    static void Contains(string text, string needle)
    {
        Check.True(text != null && text.Contains(needle), "\"" + needle + "\" in " + text);
    }

    /// A probe delegate that records its queries and answers Version.
    sealed class Recorder
    {
        public readonly List<ProfileServerQuery> Queries = new List<ProfileServerQuery>();
        public string Version;

        public ProfileProbe Probe()
        {
            return q =>
            {
                Queries.Add(q);
                // Collect garbage while olkit waits: the delegate must stay alive.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                return Version;
            };
        }
    }

    static void TestCodes()
    {
        Check.Equal(4000, Status.ProfileSyntax);
        Check.Equal(4003, Status.ProfileFailed);
        Check.True(Library.StatusString(Status.ProfileRules) != "unknown status", "described");
        Check.Equal("unknown status", Library.StatusString(4004));
        Check.Equal(IntPtr.Size == 8 ? 56 : 28, Marshal.SizeOf(typeof(ProfileOptionsNative)));
        Check.Equal(IntPtr.Size == 8 ? 40 : 24, Marshal.SizeOf(typeof(ProfileServerQueryNative)));
    }

    static void TestSet()
    {
        using (ProfileSet set = ProfileSet.Parse(Fixture("kerio-one-user.reg")))
        {
            Check.Equal(2, set.Count);
            string json = set.ListJson();
            foreach (string key in new[] { "\"kind\":\"reg\"", "\"users\":[", "\"profiles\":[", "\"services\":[",
                "\"accounts\":[", "\"issues\":[", "\"name\":\"KERIO_KOC\"" })
            {
                Contains(json, key);
            }
            Check.True(!json.Contains("Password"), "no secret");
        }
        using (ProfileSet two = ProfileSet.Parse(Fixture("two-users-both-roots.reg")))
        {
            Check.Equal(2, two.Count);
            Contains(two.ListJson(), "\"sid\":\"" + SidA + "\"");
        }
        ProfileSet prf = ProfileSet.Parse(Fixture("koc.prf"));
        Check.Equal(1, prf.Count);
        Contains(prf.ListJson(), "\"kind\":\"prf\"");
        Check.Disposes(prf, () => prf.ListJson());
        Check.Throws(Status.ProfileSyntax, "neither a .reg export",
            () => ProfileSet.Parse(Encoding.ASCII.GetBytes("hello\n")));
    }

    static void TestPlan()
    {
        byte[] reg = Fixture("kerio-one-user.reg");
        var r = new Recorder { Version = "7.4.1" };
        string plan = Profiles.Plan(reg, null, r.Probe());
        Check.Equal(1, r.Queries.Count);
        if (r.Queries.Count == 1)
        {
            Check.Equal("mail.example.com", r.Queries[0].Server);
            Check.Equal("Kerio", r.Queries[0].Profile);
            Check.Equal("HKEY_CURRENT_USER", r.Queries[0].User);
        }
        Contains(plan, "\"outcome\":\"converted\"");
        Contains(plan, "\"server_configured\":true");

        var down = new Recorder();
        Contains(Profiles.Plan(reg, null, down.Probe()), "\"server_configured\":false");
        Check.Equal(1, down.Queries.Count);
        Contains(Profiles.Plan(reg), "\"server_configured\":false");

        var old = new Recorder { Version = "6.4.0" };
        Contains(Profiles.Plan(reg, null, old.Probe()), "\"outcome\":\"blocked\"");

        // An exception from the delegate cancels, and comes back out here.
        try
        {
            Profiles.Plan(reg, null, q => { throw new InvalidOperationException("no network here"); });
            Check.True(false, "the exception came back");
        }
        catch (InvalidOperationException e)
        {
            Check.Equal("no network here", e.Message);
        }
        Check.Throws(Status.InvalidArgument, "does not fit",
            () => Profiles.Convert(reg, null, q => new string('7', 100)));
    }

    static void TestConvert()
    {
        byte[] reg = Fixture("kerio-one-user.reg");
        var r = new Recorder { Version = "7.4.1" };
        byte[] converted;
        using (ProfileConversion conv = Profiles.Convert(reg, null, r.Probe()))
        {
            Check.Equal(1, r.Queries.Count);
            ProfileCounts counts = conv.Counts;
            Check.Equal(1, counts.Converted);
            Check.Equal(0, counts.Blocked);
            Check.Equal(0, counts.Already);
            converted = conv.Converted;
            Check.True(converted.Length > 0 && !Same(converted, reg), "the converted export differs");
            using (RegFile undo = RegFile.Parse(conv.Undo))
            {
                Check.Equal(RegFormat.Regedit5, undo.Format);
            }
            Contains(conv.ReportJson(), "\"outcome\":\"converted\"");
            Contains(conv.ReportText(), "Kerio");
        }
        using (ProfileSet set = ProfileSet.Parse(converted))
        {
            Contains(set.ListJson(), "KERIO_KOFF");
        }
        var again = new Recorder { Version = "7.4.1" };
        using (ProfileConversion twice = Profiles.Convert(converted, null, again.Probe()))
        {
            Check.Equal(0, twice.Counts.Converted);
            Check.Equal(1, twice.Counts.Already);
            Check.Equal(0, again.Queries.Count);
            Check.True(Same(converted, twice.Converted), "converting twice changes nothing");
            Contains(twice.ReportJson(), "\"outcome\":\"already_koff\"");
        }
        var old = new Recorder { Version = "6.0.0" };
        ProfileConversion blocked = Profiles.Convert(reg, null, old.Probe());
        Check.Equal(1, blocked.Counts.Blocked);
        Check.True(Same(reg, blocked.Converted), "a blocked profile leaves the export as it was");
        Contains(blocked.ReportJson(), "\"outcome\":\"blocked\"");
        Check.Disposes(blocked, () => { var unused = blocked.Undo; });
    }

    static void TestScopeAndRules()
    {
        byte[] reg = Fixture("kerio-one-user.reg");
        Check.Equal(0, Profiles.Convert(reg, new ProfileOptions { Profiles = new[] { "Outlook" } }).Counts.Converted);
        Check.Equal(1, Profiles.Convert(reg, new ProfileOptions { Profiles = new[] { "Kerio" } }).Counts.Converted);
        Check.Equal(1, Profiles.Convert(reg, new ProfileOptions { DefaultOnly = true }).Counts.Converted);
        Check.Throws(Status.InvalidArgument, "default_only",
            () => Profiles.Plan(reg, new ProfileOptions { DefaultOnly = true, Profiles = new[] { "Kerio" } }));

        byte[] two = Fixture("two-users-both-roots.reg");
        Check.Equal(0, Profiles.Convert(two, new ProfileOptions { User = SidB }).Counts.Converted);
        var r = new Recorder();
        Check.Equal(1, Profiles.Convert(two, new ProfileOptions { User = SidA }, r.Probe()).Counts.Converted);
        Check.True(r.Queries.Count == 1 && r.Queries[0].User == "HKEY_USERS\\" + SidA, "asked about SID A");
        Check.Throws(Status.EmbeddedNul, "NUL", () => Profiles.Plan(two, new ProfileOptions { User = "a\0b" }));

        byte[] builtin = File.ReadAllBytes(SourcePath("crates/profile-convert/rules/koc-to-koff.ini"));
        Check.Equal(1, Profiles.Convert(reg, new ProfileOptions { Rules = builtin }).Counts.Converted);
        byte[] bad = Encoding.ASCII.GetBytes("[Rules]\nFormat=1\nNoSuchKey=1\n");
        Check.Throws(Status.ProfileRules, "line 3", () => Profiles.Convert(reg, new ProfileOptions { Rules = bad }));
        Check.Throws(Status.ProfileRules, "options.rules", () => Profiles.Plan(reg, new ProfileOptions { Rules = bad }));
    }

    static void TestPrf()
    {
        byte[] prf = Fixture("koc.prf");
        var r = new Recorder { Version = "7.0.0" };
        using (ProfileConversion conv = Profiles.Convert(prf, null, r.Probe()))
        {
            Check.Equal(1, r.Queries.Count);
            if (r.Queries.Count == 1)
            {
                Check.Equal("mail.kerio.example", r.Queries[0].Server);
                Check.Equal((bool?)true, r.Queries[0].Ssl);
                Check.Equal("", r.Queries[0].User);
            }
            Check.Equal(1, conv.Counts.Converted);
            Check.True(!Same(prf, conv.Converted), "the converted file differs");
            Contains(conv.ReportJson(), "\"kind\":\"prf\"");
            using (ProfileSet set = ProfileSet.Parse(conv.Converted))
            {
                Contains(set.ListJson(), "\"kind\":\"prf\"");
            }
        }
    }

    static void TestArguments()
    {
        byte[] reg = Fixture("kerio-one-user.reg");
        IntPtr slot = Marshal.AllocHGlobal(64);
        try
        {
            Check.Status(Status.NullArgument, ProfileNullNative.olk_profile_set_parse(IntPtr.Zero, (UIntPtr)5, slot));
            Check.True(Library.LastErrorMessage().Contains("`bytes`"), "names `bytes`");
            Check.Status(Status.NullArgument, ProfileNullNative.olk_profile_set_count(IntPtr.Zero, slot));
            Check.Status(Status.NullArgument, ProfileNullNative.olk_profile_plan(reg, (UIntPtr)reg.Length,
                IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero));
            Check.True(Library.LastErrorMessage().Contains("`plan_json`"), "names `plan_json`");
            Check.Status(Status.NullArgument, ProfileNullNative.olk_profile_conversion_counts(IntPtr.Zero,
                IntPtr.Zero, IntPtr.Zero, IntPtr.Zero));
            var options = new ProfileOptionsNative { StructSize = 4 };
            IntPtr json;
            Check.Status(Status.InvalidArgument, Native.olk_profile_plan(reg, (UIntPtr)reg.Length, ref options,
                null, IntPtr.Zero, out json));
            Check.True(Library.LastErrorMessage().Contains("argument `options`: struct_size is 4"), "options");
            Check.Throws(Status.NullArgument, "`options.profiles[0]`",
                () => Profiles.Plan(reg, new ProfileOptions { Profiles = new string[] { null } }));
        }
        finally
        {
            Marshal.FreeHGlobal(slot);
        }
    }

    static int Main()
    {
        return Check.Run(TestCodes, TestSet, TestPlan, TestConvert, TestScopeAndRules, TestPrf, TestArguments);
    }
}

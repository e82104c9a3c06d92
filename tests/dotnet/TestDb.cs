// Olkit.Db (bindings/dotnet/Olkit.cs over olk_db_*, the KOC cache database)
// on Mono, on the fixtures ffi/tests/languages.rs makes for each run
// ($OLKIT_DB_FIXTURES: koc1.db in format 1, counts.txt, corrupt.db,
// other.db, newer.db, garbage.db), copied into the working directory
// first: status before and after, the upgrade with a delegate that records
// phases and rows, a second migration, a cancel from the delegate at the
// first copy report (the file as it was), an exception thrown by the
// delegate (a cancel, rethrown), insufficient space and the scheduled
// marker, a damaged cache rebuilt with its pending changes, checks,
// refusals (another application, a newer format, a missing file, a lock
// held through libc's flock), NULL and invalid arguments through the raw
// declarations, and struct sizes too small. Built with mcs and run with
// mono by ffi/tests/languages.rs.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Olkit;
using static Support;

/// Declarations with IntPtr where Olkit.Native has `ref` or `out`, to pass NULL.
static class DbNullNative
{
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_db_status(IntPtr path, IntPtr options, IntPtr info);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_db_status(IntPtr path, IntPtr options, ref DbStatusInfoNative info);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_db_status_json(IntPtr path, IntPtr options, IntPtr json);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_db_migrate(IntPtr path, IntPtr options, IntPtr progress, IntPtr userdata,
        IntPtr outcome, IntPtr json);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_db_check(IntPtr path, byte full, IntPtr json, IntPtr ok);
}

/// The migration lock, held the way olkit takes it (flock on NAME.olkit-lock).
static class Libc
{
    public const int ReadWrite = 2, Create = 0x40; // O_RDWR, O_CREAT (Linux)
    public const int LockExclusive = 2, LockNonBlocking = 4, Unlock = 8;

    [DllImport("libc", SetLastError = true)]
    public static extern int open(string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    public static extern int flock(int fd, int operation);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);
}

static class TestDb
{
    const int KocApplicationId = 0x4B4F4646;
    const int OtherApplicationId = 0x12345678;

    static string Fixture(string name)
    {
        return EnvPath("OLKIT_DB_FIXTURES", name);
    }

    /// Copies fixture name to path in the working directory; returns its bytes.
    static byte[] CopyFixture(string name, string path)
    {
        byte[] data = File.ReadAllBytes(Fixture(name));
        File.WriteAllBytes(path, data);
        return data;
    }

    /// The rows of table in counts.txt ("TABLE ROWS" lines).
    static ulong FixtureRows(string table)
    {
        foreach (string line in File.ReadAllLines(Fixture("counts.txt")))
        {
            string[] words = line.Split(' ');
            if (words.Length == 2 && words[0] == table)
            {
                return ulong.Parse(words[1]);
            }
        }
        throw new InvalidDataException("no rows of " + table + " in counts.txt");
    }

    static string TableRows(string table, ulong rows)
    {
        return "{\"table\":\"" + table + "\",\"rows\":" + rows + "}";
    }

    static void Contains(string text, string needle)
    {
        Check.True(text != null && text.Contains(needle), "\"" + needle + "\" in " + text);
    }

    /// What the progress delegate saw.
    sealed class Recorder
    {
        public readonly List<uint> Phases = new List<uint>(); // each once, in the order first seen
        public readonly List<string> Tables = new List<string>();
        public bool InOrder = true;     // phases never went back, rows never shrank
        public bool WithinTotals = true; // ItemsDone <= ItemsTotal while copying
        uint lastPhase;
        ulong lastItems;

        public ProgressHandler Handler(uint cancelIn = 0)
        {
            return p =>
            {
                InOrder = InOrder && p.Phase >= lastPhase && p.ItemsDone >= lastItems;
                lastPhase = p.Phase;
                lastItems = p.ItemsDone;
                if (Phases.Count == 0 || Phases[Phases.Count - 1] != p.Phase)
                {
                    Phases.Add(p.Phase);
                }
                if (p.Phase == (uint)DbPhase.Copy)
                {
                    WithinTotals = WithinTotals && p.Item != null && p.ItemsDone <= p.ItemsTotal
                        && p.ItemsTotal > 0 && p.BytesTotal > 0;
                    if (p.Item != null && (Tables.Count == 0 || Tables[Tables.Count - 1] != p.Item))
                    {
                        Tables.Add(p.Item);
                    }
                }
                // Collect garbage while olkit waits: the delegate must stay alive.
                GC.Collect();
                return p.Phase == cancelIn ? ProgressControl.Cancel : ProgressControl.Continue;
            };
        }
    }

    static void TestCodes()
    {
        Check.Equal(5000, Status.DbNotOurs);
        Check.Equal(5004, Status.DbFailed);
        Check.True(Library.StatusString(Status.DbBusy) != "unknown status", "described");
        Check.Equal("unknown status", Library.StatusString(5005));
        Check.Equal(32, Marshal.SizeOf(typeof(DbOptionsNative)));
        Check.Equal(48, Marshal.SizeOf(typeof(ProgressNative)));
    }

    static void TestStatus()
    {
        byte[] original = CopyFixture("koc1.db", "dbcs-status.db");
        DbStatus status = Db.GetStatus("dbcs-status.db");
        Check.Equal(DbState.NeedsUpgrade, status.State);
        Check.Equal(1u, status.Format);
        Check.Equal(2u, status.CurrentFormat);
        Check.Equal(KocApplicationId, status.ApplicationId);
        Check.Equal((ulong)original.Length, status.SizeBytes);
        Check.Equal(2 * (ulong)original.Length, status.SpaceNeededBytes);
        Check.True(!status.Scheduled && status.Leftovers == 0, "nothing scheduled, no leftovers");
        Check.Equal(2 * (ulong)original.Length + 100,
            Db.GetStatus("dbcs-status.db", new DbOptions { SpaceMargin = 100 }).SpaceNeededBytes);
        string json = Db.GetStatusJson("dbcs-status.db");
        Contains(json, "\"state\":\"needs_upgrade\"");
        Contains(json, "\"from\":1,\"to\":2");
        Check.True(Same(original, File.ReadAllBytes("dbcs-status.db")), "status changes nothing");
    }

    static void TestUpgrade()
    {
        const string path = "dbcs-upgrade.db";
        byte[] original = CopyFixture("koc1.db", path);

        // Cancelled from the delegate at the first copy report.
        var cancelled = new Recorder();
        DbOutcome outcome = Db.Migrate(path, null, cancelled.Handler((uint)DbPhase.Copy));
        Check.Equal(DbOutcomeKind.Cancelled, outcome.Kind);
        Check.Equal(DbPhase.Copy, outcome.CancelledPhase);
        Contains(outcome.Json, "\"outcome\":\"cancelled\"");
        Check.True(cancelled.Phases.SequenceEqual(new[] { (uint)DbPhase.Preflight, (uint)DbPhase.Copy }),
            "preflight, then the first copy report");
        Check.True(Same(original, File.ReadAllBytes(path)), "a cancel leaves the file as it was");

        // An exception from the delegate cancels too, and comes back out here.
        bool rethrown = false;
        try
        {
            Db.Migrate(path, null, p =>
            {
                if (p.Phase == (uint)DbPhase.Copy)
                {
                    throw new InvalidOperationException("stop copying");
                }
                return ProgressControl.Continue;
            });
        }
        catch (InvalidOperationException e)
        {
            rethrown = e.Message == "stop copying";
        }
        Check.True(rethrown, "the delegate's exception is rethrown");
        Check.True(Same(original, File.ReadAllBytes(path)), "still as it was");
        Check.Equal(0u, Db.GetStatus(path).Leftovers);

        // The upgrade.
        var r = new Recorder();
        outcome = Db.Migrate(path, null, r.Handler());
        Check.Equal(DbOutcomeKind.Upgraded, outcome.Kind);
        Check.Equal(1u, outcome.FromFormat);
        Check.Equal(2u, outcome.ToFormat);
        Check.Equal((ulong)original.Length, outcome.OldBytes);
        Check.True(outcome.Rows >= FixtureRows("messages") + FixtureRows("pending_changes"), "rows copied");
        Check.True(r.InOrder && r.WithinTotals, "phases in order, rows growing within their totals");
        Check.True(r.Phases.SequenceEqual(new[]
        {
            (uint)DbPhase.Preflight, (uint)DbPhase.Copy, (uint)DbPhase.Index, (uint)DbPhase.Verify,
            (uint)DbPhase.Sync, (uint)DbPhase.Swap,
        }), "every phase, in order: " + string.Join(",", r.Phases));
        Check.True(r.Tables.Contains("messages"), "messages copied");
        Contains(outcome.Json, TableRows("messages", FixtureRows("messages")));
        Contains(outcome.Json, TableRows("pending_changes", FixtureRows("pending_changes")));

        DbStatus after = Db.GetStatus(path);
        Check.Equal(DbState.UpToDate, after.State);
        Check.Equal(2u, after.Format);
        Check.Equal(outcome.NewBytes, after.SizeBytes);
        outcome = Db.Migrate(path);
        Check.Equal(DbOutcomeKind.UpToDate, outcome.Kind);
        Check.Equal(2u, outcome.ToFormat);
        DbCheckReport report = Db.Check(path, true);
        Check.True(report.Ok, "the upgraded database passes integrity_check");
        Contains(report.Json, "\"problems\":[]");
    }

    static void TestInsufficientSpace()
    {
        const string path = "dbcs-space.db";
        byte[] original = CopyFixture("koc1.db", path);
        File.Delete("dbcs-space.marker");
        var options = new DbOptions { ScheduledMarker = "dbcs-space.marker", SpaceMargin = ulong.MaxValue / 4 };
        DbOutcome outcome = Db.Migrate(path, options);
        Check.Equal(DbOutcomeKind.InsufficientSpace, outcome.Kind);
        Check.Equal(2 * (ulong)original.Length + options.SpaceMargin, outcome.NeededBytes);
        Check.True(outcome.AvailableBytes < outcome.NeededBytes, "less available than needed");
        Contains(outcome.Json, "\"marker\":\"dbcs-space.marker\"");
        Check.True(Same(original, File.ReadAllBytes(path)), "nothing written");
        DbStatus status = Db.GetStatus(path, options);
        Check.True(status.Scheduled, "scheduled");
        Check.Equal(outcome.NeededBytes, status.ScheduledNeededBytes);
        options.SpaceMargin = 0;
        Check.Equal(DbOutcomeKind.Upgraded, Db.Migrate(path, options).Kind);
        Check.True(!File.Exists("dbcs-space.marker"), "the marker is gone");
    }

    static void TestRebuild()
    {
        const string path = "dbcs-corrupt.db";
        byte[] damaged = CopyFixture("corrupt.db", path);
        File.Delete(path + ".pre-rebuild");
        Check.True(!Db.Check(path).Ok, "the damage is found");
        var r = new Recorder();
        DbOutcome outcome = Db.Migrate(path, null, r.Handler());
        Check.Equal(DbOutcomeKind.Rebuilt, outcome.Kind);
        ulong pending = FixtureRows("pending_changes");
        Check.True(pending > 0 && outcome.SalvagedRows >= pending, "every pending change salvaged");
        Check.Equal((uint)DbPhase.Rebuild, r.Phases[r.Phases.Count - 1]);
        Contains(outcome.Json, "\"set_aside\":\"dbcs-corrupt.db.pre-rebuild\"");
        Contains(outcome.Json, TableRows("pending_changes", pending));
        Check.True(Same(damaged, File.ReadAllBytes(path + ".pre-rebuild")), "the old file kept aside");
        Check.Equal(DbState.UpToDate, Db.GetStatus(path).State);
        Check.True(Db.Check(path).Ok, "the rebuilt database is sound");
    }

    static void TestRefused()
    {
        byte[] other = CopyFixture("other.db", "dbcs-other.db");
        DbStatus status = Db.GetStatus("dbcs-other.db");
        Check.Equal(DbState.NotOurs, status.State);
        Check.Equal(OtherApplicationId, status.ApplicationId);
        Check.Throws(Status.DbNotOurs, "application_id 0x12345678", () => Db.Migrate("dbcs-other.db"));
        Check.True(Same(other, File.ReadAllBytes("dbcs-other.db")), "never touched");
        Check.True(!Db.Check("dbcs-other.db").Ok, "not ours is a problem");

        CopyFixture("newer.db", "dbcs-newer.db");
        Check.Equal(DbState.Newer, Db.GetStatus("dbcs-newer.db").State);
        Check.Throws(Status.DbNewer, "format 3 is newer", () => Db.Migrate("dbcs-newer.db"));

        Check.Equal(DbState.Unreadable, Db.GetStatus(Fixture("garbage.db")).State);
        Contains(Db.GetStatusJson(Fixture("garbage.db")), "\"reason\":\"");

        Check.Throws(Status.Io, "dbcs-missing.db", () => Db.GetStatus("dbcs-missing.db"));
        Check.Throws(Status.Io, "dbcs-missing.db", () => Db.Migrate("dbcs-missing.db"));
        Check.Throws(Status.Io, "dbcs-missing.db", () => Db.Check("dbcs-missing.db"));

        // Someone else holds the migration lock.
        byte[] original = CopyFixture("koc1.db", "dbcs-busy.db");
        int fd = Libc.open("dbcs-busy.db.olkit-lock", Libc.ReadWrite | Libc.Create, Convert.ToInt32("644", 8));
        Check.True(fd >= 0 && Libc.flock(fd, Libc.LockExclusive | Libc.LockNonBlocking) == 0, "lock held");
        Check.Throws(Status.DbBusy, "another migration", () => Db.Migrate("dbcs-busy.db"));
        Check.True(Same(original, File.ReadAllBytes("dbcs-busy.db")), "busy: untouched");
        Check.True(Libc.flock(fd, Libc.Unlock) == 0 && Libc.close(fd) == 0, "lock released");
        Check.Equal(DbOutcomeKind.Upgraded, Db.Migrate("dbcs-busy.db").Kind);
    }

    static void TestArguments()
    {
        byte[] original = CopyFixture("koc1.db", "dbcs-arguments.db");
        IntPtr path = Utf8.Alloc("dbcs-arguments.db");
        IntPtr bad = RawBytes((byte)'a', (byte)'b', 0xff);
        IntPtr slot = Marshal.AllocHGlobal(128);
        try
        {
            Check.Status(Status.NullArgument, DbNullNative.olk_db_status(IntPtr.Zero, IntPtr.Zero, slot));
            Check.True(Library.LastErrorMessage().Contains("`path`"), "names `path`");
            Check.Status(Status.NullArgument, DbNullNative.olk_db_status(path, IntPtr.Zero, IntPtr.Zero));
            Check.True(Library.LastErrorMessage().Contains("`out`"), "names `out`");
            Check.Status(Status.InvalidUtf8, DbNullNative.olk_db_status(bad, IntPtr.Zero, slot));
            Check.Status(Status.NullArgument, DbNullNative.olk_db_status_json(path, IntPtr.Zero, IntPtr.Zero));
            Check.Status(Status.NullArgument, DbNullNative.olk_db_migrate(IntPtr.Zero, IntPtr.Zero, IntPtr.Zero,
                IntPtr.Zero, slot, IntPtr.Zero));
            Check.Status(Status.NullArgument, DbNullNative.olk_db_migrate(path, IntPtr.Zero, IntPtr.Zero,
                IntPtr.Zero, IntPtr.Zero, IntPtr.Zero));
            Check.Status(Status.NullArgument, DbNullNative.olk_db_check(path, 0, IntPtr.Zero, IntPtr.Zero));
            Check.True(Library.LastErrorMessage().Contains("`ok`"), "names `ok`");
            Check.Status(Status.InvalidArgument, DbNullNative.olk_db_check(path, 2, IntPtr.Zero, slot));

            // Structs too small.
            var info = new DbStatusInfoNative { StructSize = 8, State = 99 };
            Check.Status(Status.InvalidArgument, DbNullNative.olk_db_status(path, IntPtr.Zero, ref info));
            Check.True(Library.LastErrorMessage().Contains("sizeof(olk_db_status_info)"), "names the struct");
            Check.Equal(99u, info.State);
            var options = new DbOptionsNative { StructSize = 4 };
            var outcome = new DbOutcomeNative { StructSize = (uint)Marshal.SizeOf(typeof(DbOutcomeNative)) };
            IntPtr json;
            Check.Status(Status.InvalidArgument, Native.olk_db_migrate(path, ref options, null, IntPtr.Zero,
                ref outcome, out json));
            Check.True(Library.LastErrorMessage().Contains("argument `options`: struct_size is 4"), "options");
            options = new DbOptionsNative
            {
                StructSize = (uint)Marshal.SizeOf(typeof(DbOptionsNative)),
                ScheduledMarker = bad,
            };
            Check.Status(Status.InvalidUtf8, Native.olk_db_migrate(path, ref options, null, IntPtr.Zero,
                ref outcome, out json));
            Check.True(Library.LastErrorMessage().Contains("`options.scheduled_marker`"), "names the marker");
            Check.Throws(Status.EmbeddedNul, "NUL", () => Db.Migrate("dbcs-arguments.db\0x"));
            Check.True(Same(original, File.ReadAllBytes("dbcs-arguments.db")), "none of this touched it");
        }
        finally
        {
            Marshal.FreeHGlobal(path);
            Marshal.FreeHGlobal(bad);
            Marshal.FreeHGlobal(slot);
        }
    }

    static int Main()
    {
        return Check.Run(TestCodes, TestStatus, TestUpgrade, TestInsufficientSpace, TestRebuild, TestRefused,
            TestArguments);
    }
}

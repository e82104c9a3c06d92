// Tiny assertion helpers of the C# tests, compiled into every
// tests/dotnet/Test*.cs program. Run() runs the tests and ends with
// Summary(), which prints the line "N passed, M failed" that
// ffi/tests/languages.rs looks for. Support has the inputs the tests share
// (`using static Support;`).
using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Olkit;

static class Check
{
    static int passed;
    static int failed;

    static void Record(bool ok, string what, string file, int line)
    {
        if (ok)
        {
            passed++;
            return;
        }
        failed++;
        Console.Error.WriteLine("{0}:{1}: CHECK failed: {2}", file, line, what);
    }

    public static void True(bool condition, string what,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        Record(condition, what, file, line);
    }

    public static void Equal<T>(T expected, T actual,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        bool ok = Equals(expected, actual);
        Record(ok, "expected <" + expected + ">, got <" + actual + ">", file, line);
    }

    public static void Status(int expected, int actual,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        bool ok = expected == actual;
        Record(ok, "expected status " + expected + " (" + Library.StatusString(expected) + "), got "
            + actual + " (" + Library.StatusString(actual) + "); last error: " + Library.LastErrorMessage(),
            file, line);
    }

    /// Runs body, which must throw OlkitException with status and a message containing needle.
    public static void Throws(int status, string needle, Action body,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        try
        {
            body();
            Record(false, "expected OlkitException, nothing was thrown", file, line);
        }
        catch (OlkitException e)
        {
            Record(e.Status == status && e.Message.Contains(needle),
                "expected OlkitException(" + status + ", \"..." + needle + "...\"), got OlkitException("
                + e.Status + ", \"" + e.Message + "\")", file, line);
        }
    }

    /// Disposes owner: its handle must be closed, use() must then throw
    /// ObjectDisposedException, and a second Dispose must be harmless.
    public static void Disposes<THandle>(OlkitObject<THandle> owner, Action use,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) where THandle : OlkitHandle
    {
        string what = owner.GetType().Name;
        THandle handle = owner.Handle;
        owner.Dispose();
        Record(handle.IsClosed, "Dispose closed the handle of the " + what, file, line);
        bool refused = false;
        try
        {
            use();
        }
        catch (ObjectDisposedException)
        {
            refused = true;
        }
        Record(refused, "a disposed " + what + " throws ObjectDisposedException", file, line);
        owner.Dispose(); // twice is fine
    }

    /// Runs every test (an exception fails the test that threw it, not the
    /// others) and returns Summary(): the end of Main.
    public static int Run(params Action[] tests)
    {
        foreach (Action test in tests)
        {
            try
            {
                test();
            }
            catch (Exception e)
            {
                True(false, "unexpected exception in " + test.Method.Name + ": " + e);
            }
        }
        return Summary();
    }

    public static int Summary()
    {
        Console.WriteLine("{0} passed, {1} failed", passed, failed);
        return failed == 0 && passed > 0 ? 0 : 1;
    }
}

/// Inputs and comparisons the tests share.
static class Support
{
    public const string Gruesse = "Gr\u00fc\u00dfe";

    /// $variable/relative ("./relative" if unset).
    public static string EnvPath(string variable, string relative)
    {
        return Path.Combine(Environment.GetEnvironmentVariable(variable) ?? ".", relative);
    }

    /// A file of the repository: $OLKIT_SOURCE_DIR/relative.
    public static string SourcePath(string relative)
    {
        return EnvPath("OLKIT_SOURCE_DIR", relative);
    }

    public static bool Same(byte[] a, byte[] b)
    {
        return a.Length == b.Length && a.SequenceEqual(b);
    }

    /// A NUL-terminated byte string in unmanaged memory (for invalid UTF-8);
    /// free it with Marshal.FreeHGlobal.
    public static IntPtr RawBytes(params byte[] bytes)
    {
        IntPtr p = Marshal.AllocHGlobal(bytes.Length + 1);
        Marshal.Copy(bytes, 0, p, bytes.Length);
        Marshal.WriteByte(p, bytes.Length, 0);
        return p;
    }
}

// Tiny assertion helpers of the C# tests, compiled into every
// tests/dotnet/Test*.cs program. Summary() prints the line
// "N passed, M failed" that ffi/tests/languages.rs looks for.
using System;
using System.Runtime.CompilerServices;
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

    public static int Summary()
    {
        Console.WriteLine("{0} passed, {1} failed", passed, failed);
        return failed == 0 && passed > 0 ? 0 : 1;
    }
}

// The core C ABI through bindings/dotnet/Olkit.cs, on Mono: versions, status
// strings, the last error, raw NULL arguments, UTF-8 marshalling, and (when
// the library has the test exports, env OLKIT_TEST_PANIC=1) string and byte
// results, invalid UTF-8, the panic boundary and a SafeHandle subclass.
// Built with mcs and run with mono by ffi/tests/languages.rs.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using Olkit;

/// The test-only exports (cargo feature test-panic), declared the way
/// Olkit.cs declares real functions.
static class TestNative
{
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_test_panic();

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_test_echo_string(IntPtr text, out IntPtr result);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_test_echo_bytes(IntPtr data, UIntPtr len, out IntPtr result, out UIntPtr resultLen);

    // The same export with its result as a SafeHandle, as handle types will be.
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl, EntryPoint = "olk_test_echo_string")]
    public static extern int olk_test_echo_string_handle(IntPtr text, out EchoHandle result);
}

/// A handle type over an olkit string, built on OlkitHandle.
sealed class EchoHandle : OlkitHandle
{
    public static int Released;

    public string Text
    {
        get { return Utf8.Read(handle); }
    }

    protected override bool ReleaseHandle()
    {
        Native.olk_string_free(handle);
        Released++;
        return true;
    }
}

static class TestCore
{
    static string EchoString(string text)
    {
        IntPtr result;
        using (var t = new Utf8Arg(text))
        {
            Library.Check(TestNative.olk_test_echo_string(t.Pointer, out result));
        }
        return Utf8.Take(result);
    }

    static byte[] EchoBytes(byte[] data)
    {
        IntPtr p = Marshal.AllocHGlobal(Math.Max(data.Length, 1));
        try
        {
            Marshal.Copy(data, 0, p, data.Length);
            IntPtr result;
            UIntPtr resultLen;
            Library.Check(TestNative.olk_test_echo_bytes(p, (UIntPtr)data.Length, out result, out resultLen));
            return Utf8.TakeBytes(result, resultLen);
        }
        finally
        {
            Marshal.FreeHGlobal(p);
        }
    }

    static void TestVersions()
    {
        string expected = Environment.GetEnvironmentVariable("OLKIT_EXPECTED_VERSION");
        Check.True(!string.IsNullOrEmpty(expected), "OLKIT_EXPECTED_VERSION is set");
        Check.Equal(expected, Library.Version);
        Check.Equal(Native.AbiVersion, Library.AbiVersion);
    }

    static void TestStatusStrings()
    {
        Check.Equal("success", Library.StatusString(Status.Ok));
        Check.Equal("unknown status", Library.StatusString(-1));
        Check.Equal("unknown status", Library.StatusString(int.MaxValue));
        int[] known = { Status.NullArgument, Status.InvalidUtf8, Status.InvalidArgument, Status.BufferTooSmall,
            Status.Io, Status.Panic, Status.OutOfRange, Status.Cancelled, Status.EmbeddedNul };
        foreach (int code in known)
        {
            Check.True(Library.StatusString(code) != "unknown status", "status " + code + " is described");
        }
    }

    static void TestLastErrorAndCheck()
    {
        Check.Equal("", Library.LastErrorMessage());
        Library.Check(Status.Ok);
        // No message from olkit: the status description.
        Check.Throws(Status.OutOfRange, "value out of range", () => Library.Check(Status.OutOfRange));

        // NULL arguments through the raw declarations.
        UIntPtr needed;
        Check.Status(Status.NullArgument, Native.olk_last_error_message(IntPtr.Zero, (UIntPtr)5, out needed));
        Check.Status(Status.BufferTooSmall, Native.olk_last_error_message(IntPtr.Zero, UIntPtr.Zero, out needed));
        Check.Equal(1UL, needed.ToUInt64());
        Native.olk_string_free(IntPtr.Zero);
        Native.olk_bytes_free(IntPtr.Zero, UIntPtr.Zero);
    }

    static void TestMarshalling()
    {
        Check.Equal(IntPtr.Zero, Utf8.Alloc(null));
        Check.Equal(null, Utf8.Read(IntPtr.Zero));
        Check.Throws(Status.EmbeddedNul, "index 1", () => Utf8.Alloc("a\0b"));
        string text = "Gr\u00fc\u00dfe \u2713 \U0001F600";
        IntPtr p = Utf8.Alloc(text);
        try
        {
            Check.Equal(text, Utf8.Read(p));
            Check.Equal((byte)0xC3, Marshal.ReadByte(p, 2));
        }
        finally
        {
            Marshal.FreeHGlobal(p);
        }
    }

    static void TestEcho()
    {
        Check.Equal("Gr\u00fc\u00dfe \u2713 \U0001F600", EchoString("Gr\u00fc\u00dfe \u2713 \U0001F600"));
        Check.Equal("", EchoString(""));
        Check.Equal("", Library.LastErrorMessage());
        byte[] data = { 0, 1, 2, 0xFE, 0xFF };
        Check.Equal(Convert.ToBase64String(data), Convert.ToBase64String(EchoBytes(data)));
        Check.Equal(0, EchoBytes(new byte[0]).Length);
    }

    static void TestErrors()
    {
        // NULL through the raw declaration: the status, no output.
        IntPtr result;
        Check.Status(Status.NullArgument, TestNative.olk_test_echo_string(IntPtr.Zero, out result));
        Check.Equal(IntPtr.Zero, result);
        Check.True(Library.LastErrorMessage().Contains("`text`"), "the message names the argument");
        Check.Throws(Status.NullArgument, "argument `text` is NULL", () => EchoString(null));

        // Buffer too small: nothing copied, the size reported, the message kept.
        string message = Library.LastErrorMessage();
        IntPtr small = Marshal.AllocHGlobal(4);
        try
        {
            UIntPtr needed;
            Check.Status(Status.BufferTooSmall, Native.olk_last_error_message(small, (UIntPtr)4, out needed));
            Check.Equal((ulong)message.Length + 1, needed.ToUInt64());
            Check.Equal(message, Library.LastErrorMessage());
        }
        finally
        {
            Marshal.FreeHGlobal(small);
        }

        // Invalid UTF-8 in a string argument.
        IntPtr bad = Marshal.AllocHGlobal(4);
        try
        {
            Marshal.Copy(new byte[] { 0x61, 0xFF, 0x62, 0 }, 0, bad, 4);
            Check.Throws(Status.InvalidUtf8, "offset 1",
                () => Library.Check(TestNative.olk_test_echo_string(bad, out result)));
        }
        finally
        {
            Marshal.FreeHGlobal(bad);
        }

        // The last error is per thread.
        string seen = null;
        var thread = new Thread(() => seen = Library.LastErrorMessage());
        thread.Start();
        thread.Join();
        Check.Equal("", seen);
        Check.True(Library.LastErrorMessage().Contains("UTF-8"), "this thread's message is still there");
    }

    static void TestPanic()
    {
        Check.Throws(Status.Panic, "panic: ", () => Library.Check(TestNative.olk_test_panic()));
        Check.True(Library.LastErrorMessage().Contains("deliberate panic"), "the panic message is kept");
        Check.Equal("works after a panic", EchoString("works after a panic"));
    }

    static void TestSafeHandle()
    {
        EchoHandle h;
        int released = EchoHandle.Released;
        using (var t = new Utf8Arg("handle"))
        {
            Library.Check(TestNative.olk_test_echo_string_handle(t.Pointer, out h));
        }
        using (h)
        {
            Check.True(!h.IsInvalid, "the handle is valid");
            Check.Equal("handle", h.Text);
        }
        Check.True(h.IsClosed, "Dispose closed the handle");
        Check.Equal(released + 1, EchoHandle.Released);

        // On failure the output is not written: an invalid handle, never released.
        Check.Status(Status.NullArgument, TestNative.olk_test_echo_string_handle(IntPtr.Zero, out h));
        Check.True(h.IsInvalid, "a failed call gives an invalid handle");
        h.Dispose();
        Check.Equal(released + 1, EchoHandle.Released);
    }

    static int Main()
    {
        var tests = new List<Action> { TestVersions, TestStatusStrings, TestLastErrorAndCheck, TestMarshalling };
        if (Environment.GetEnvironmentVariable("OLKIT_TEST_PANIC") == "1")
        {
            tests.AddRange(new Action[] { TestEcho, TestErrors, TestPanic, TestSafeHandle });
        }
        else
        {
            Console.WriteLine("note: OLKIT_TEST_PANIC is not 1, the olk_test_* exports were not tested");
        }
        return Check.Run(tests.ToArray());
    }
}

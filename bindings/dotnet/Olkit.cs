// Olkit.cs: P/Invoke bindings of the olkit C ABI (include/olkit.h).
//
// Compatible with .NET Framework 4.x and Mono (C# 7, [DllImport],
// CallingConvention.Cdecl): add this file to a project and ship olkit.dll
// (libolkit.so on Linux) next to the executable.
//
// - Native: the raw declarations, one per C function. Strings are IntPtr:
//   .NET Framework has no UTF-8 marshaller, so Utf8 converts them by hand
//   (Encoding.UTF8 + Marshal.AllocHGlobal/Copy, NUL-terminated).
// - Status: the OLK_* codes. Library.Check throws OlkitException (status +
//   last error message) on anything but Status.Ok.
// - OlkitHandle: the SafeHandle base of every handle type.
// - Library: the managed wrappers.
//
// Adding a handle type (for example olk_reg_file):
//
//     public sealed class RegFileHandle : OlkitHandle
//     {
//         protected override bool ReleaseHandle()
//         {
//             Native.olk_reg_file_free(handle);
//             return true;
//         }
//     }
//
//     // in Native; the marshaller creates the handle object itself:
//     [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
//     public static extern int olk_reg_file_parse(IntPtr text, out RegFileHandle file);
//     [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
//     public static extern void olk_reg_file_free(IntPtr file);
//
//     // a public wrapper class:
//     public sealed class RegFile : IDisposable
//     {
//         private readonly RegFileHandle handle;
//         private RegFile(RegFileHandle handle) { this.handle = handle; }
//         public static RegFile Parse(string text)
//         {
//             RegFileHandle handle;
//             using (var t = new Utf8Arg(text))
//             {
//                 Library.Check(Native.olk_reg_file_parse(t.Pointer, out handle));
//             }
//             return new RegFile(handle);
//         }
//         public void Dispose() { handle.Dispose(); }
//     }
//
// Functions that take a handle declare it as the SafeHandle subclass
// (`RegFileHandle file`), so the handle cannot be freed during the call.

using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Olkit
{
    /// <summary>The olk_status codes of olkit.h (ranges: 1-999 general,
    /// 1000-1999 regfile, 2000-2999 manifest, 3000-3999 msi-query,
    /// 4000-4999 profile-convert, 5000-5999 dbmigrate; never reused).
    /// ffi/tests/header.rs checks these against the header.</summary>
    public static class Status
    {
        public const int Ok = 0;
        public const int NullArgument = 1;
        public const int InvalidUtf8 = 2;
        public const int InvalidArgument = 3;
        public const int BufferTooSmall = 4;
        public const int Io = 5;
        public const int Panic = 6;
        public const int OutOfRange = 7;
        public const int Cancelled = 8;
        public const int EmbeddedNul = 9;
    }

    /// <summary>Raw declarations of the C functions. Pointers are IntPtr
    /// (strings are UTF-8, see Utf8), size_t is UIntPtr, olk_status is int.</summary>
    public static class Native
    {
        /// <summary>olkit.dll / libolkit.so.</summary>
        public const string Lib = "olkit";

        /// <summary>OLKIT_ABI_VERSION of the olkit.h these declarations follow.</summary>
        public const uint AbiVersion = 1;

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr olk_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint olk_abi_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr olk_status_str(int status);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_last_error_message(IntPtr buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_string_free(IntPtr s);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_bytes_free(IntPtr ptr, UIntPtr len);
    }

    /// <summary>A failed olkit call: its status code and olkit's message.</summary>
    public sealed class OlkitException : Exception
    {
        public OlkitException(int status, string message) : base(message)
        {
            Status = status;
        }

        /// <summary>The Olkit.Status code the call returned.</summary>
        public int Status { get; private set; }
    }

    /// <summary>Base of the handle types: owns one olkit handle, released
    /// by the subclass's ReleaseHandle (which calls olk_x_free).</summary>
    public abstract class OlkitHandle : SafeHandle
    {
        protected OlkitHandle() : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }
    }

    /// <summary>Hand-written UTF-8 marshalling (.NET Framework has none).</summary>
    public static class Utf8
    {
        /// <summary>Copies s into unmanaged memory as a NUL-terminated UTF-8
        /// string; free it with Marshal.FreeHGlobal. null gives IntPtr.Zero.
        /// Throws OlkitException (Status.EmbeddedNul) if s contains '\0',
        /// where C would cut it.</summary>
        public static IntPtr Alloc(string s)
        {
            if (s == null)
            {
                return IntPtr.Zero;
            }
            int nul = s.IndexOf('\0');
            if (nul >= 0)
            {
                throw new OlkitException(Status.EmbeddedNul,
                    "string argument contains a NUL character at index " + nul);
            }
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            IntPtr p = Marshal.AllocHGlobal(bytes.Length + 1);
            Marshal.Copy(bytes, 0, p, bytes.Length);
            Marshal.WriteByte(p, bytes.Length, 0);
            return p;
        }

        /// <summary>Reads a NUL-terminated UTF-8 string; IntPtr.Zero gives null.</summary>
        public static string Read(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }
            int len = 0;
            while (Marshal.ReadByte(p, len) != 0)
            {
                len++;
            }
            byte[] bytes = new byte[len];
            Marshal.Copy(p, bytes, 0, len);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Reads a string returned by olkit and frees it with olk_string_free.</summary>
        public static string Take(IntPtr p)
        {
            try
            {
                return Read(p);
            }
            finally
            {
                Native.olk_string_free(p);
            }
        }

        /// <summary>Copies a byte buffer returned by olkit and frees it with olk_bytes_free.</summary>
        public static byte[] TakeBytes(IntPtr p, UIntPtr len)
        {
            try
            {
                byte[] bytes = new byte[checked((int)len.ToUInt64())];
                if (bytes.Length > 0)
                {
                    Marshal.Copy(p, bytes, 0, bytes.Length);
                }
                return bytes;
            }
            finally
            {
                Native.olk_bytes_free(p, len);
            }
        }
    }

    /// <summary>A string argument for the duration of a call:
    /// <c>using (var t = new Utf8Arg(s)) { ... Native.f(t.Pointer) ... }</c>.</summary>
    public sealed class Utf8Arg : IDisposable
    {
        /// <summary>Converts s with Utf8.Alloc (null gives IntPtr.Zero).</summary>
        public Utf8Arg(string s)
        {
            Pointer = Utf8.Alloc(s);
        }

        /// <summary>The NUL-terminated UTF-8 copy, valid until Dispose.</summary>
        public IntPtr Pointer { get; private set; }

        public void Dispose()
        {
            Marshal.FreeHGlobal(Pointer);
            Pointer = IntPtr.Zero;
        }
    }

    /// <summary>Managed wrappers of the core functions.</summary>
    public static class Library
    {
        /// <summary>The olkit version ("MAJOR.MINOR.PATCH").</summary>
        public static string Version
        {
            get { return Utf8.Read(Native.olk_version()); }
        }

        /// <summary>The ABI version of the loaded library (compare with Native.AbiVersion).</summary>
        public static uint AbiVersion
        {
            get { return Native.olk_abi_version(); }
        }

        /// <summary>Static English description of a status code.</summary>
        public static string StatusString(int status)
        {
            return Utf8.Read(Native.olk_status_str(status));
        }

        /// <summary>This thread's last error message; "" if the last call succeeded.</summary>
        public static string LastErrorMessage()
        {
            UIntPtr needed;
            if (Native.olk_last_error_message(IntPtr.Zero, UIntPtr.Zero, out needed) != Status.BufferTooSmall)
            {
                return "";
            }
            IntPtr buf = Marshal.AllocHGlobal(checked((int)needed.ToUInt64()));
            try
            {
                if (Native.olk_last_error_message(buf, needed, out needed) != Status.Ok)
                {
                    return "";
                }
                return Utf8.Read(buf);
            }
            finally
            {
                Marshal.FreeHGlobal(buf);
            }
        }

        /// <summary>Throws OlkitException unless status is Status.Ok; call it
        /// right after the failing function. The message is the thread's last
        /// error, or the status description if olkit left none.</summary>
        public static void Check(int status)
        {
            if (status == Status.Ok)
            {
                return;
            }
            string message = LastErrorMessage();
            if (message.Length == 0)
            {
                message = StatusString(status);
            }
            throw new OlkitException(status, message);
        }
    }
}

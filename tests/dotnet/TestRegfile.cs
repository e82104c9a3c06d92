// Olkit.RegFile (bindings/dotnet/Olkit.cs over olk_reg_file) on Mono:
// parsing both formats, byte-identical output, keys and entries, every
// getter and setter with the exact lines they write, renames and deletions,
// lenient warnings, errors as OlkitException, NULL and invalid UTF-8
// arguments through the raw declarations, failed edits that leave the file
// unchanged, Save and Open, SafeHandle lifetime. Inputs are built here or
// read from $OLKIT_SOURCE_DIR. Built with mcs and run with mono by
// ffi/tests/languages.rs.
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Olkit;
using static Support;

/// Declarations with IntPtr where Olkit.Native has `out`, to pass NULL.
static class NullNative
{
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_reg_file_key_count(RegFileHandle file, IntPtr count);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_reg_file_get_u32(RegFileHandle file, IntPtr key, IntPtr name, IntPtr number);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_reg_file_to_bytes(RegFileHandle file, IntPtr data, IntPtr len);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_reg_file_parse(IntPtr data, UIntPtr len, uint flags, ulong maxBytes,
        IntPtr file);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_reg_file_delete_value(RegFileHandle file, IntPtr key, IntPtr name,
        IntPtr removed);
}

static class TestRegfile
{
    const string Key = @"HKEY_CURRENT_USER\Software\Kerio\Connector";

    static readonly string V5OneKey =
        "Windows Registry Editor Version 5.00\r\n" +                 // 1
        "\r\n" +                                                      // 2
        "[" + Key + "]\r\n" +                                         // 3
        "; connection settings\r\n" +                                 // 4
        "\"Server\"=\"mail.example.com\"\r\n" +                       // 5
        "\"Port\"=dword:000001bb\r\n" +                               // 6
        "@=\"default\"\r\n" +                                         // 7
        "\"Path\"=hex(2):25,00,41,00,25,00,00,00\r\n" +               // 8
        "\"List\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n" +   // 9
        "\"Big\"=hex(b):ef,cd,ab,89,67,45,23,01\r\n" +                // 10
        "\"Blob\"=hex:01,02,03\r\n" +                                 // 11
        "\"Gone\"=-\r\n" +                                            // 12
        "\"" + Gruesse + "\"=\"Stra\u00dfe \u65e5\u672c\"\r\n" +      // 13
        "\"Odd\"=hex(4):01,02\r\n";                                   // 14

    static readonly string V5Text = V5OneKey +
        "\r\n" +                                                      // 15
        "[-HKEY_CURRENT_USER\\Software\\Kerio\\Old]\r\n" +            // 16
        "\r\n" +                                                      // 17
        "[" + Key + "]\r\n" +                                         // 18
        "\"Server\"=\"override.example.com\"\r\n";                    // 19

    static readonly byte[] V4Bytes = Latin1(
        "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio]\r\n\"Name\"=\"Caf\u00e9\"\r\n" +
        "\"Count\"=dword:0000000a\r\n");

    static byte[] Latin1(string text)
    {
        return text.Select(c => (byte)c).ToArray();
    }

    /// UTF-16LE with a byte order mark, as regedit writes version 5 files.
    static byte[] Utf16(string text)
    {
        return new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes(text)).ToArray();
    }

    static RegFile V5(string text)
    {
        return RegFile.Parse(Utf16(text));
    }

    /// How many times the file's bytes hold text (encoded like the file).
    static int CountIn(RegFile file, string text)
    {
        byte[] hay = file.ToBytes();
        byte[] needle = file.Encoding == RegEncoding.Utf16Le ? Encoding.Unicode.GetBytes(text)
            : file.Encoding == RegEncoding.Windows1252 ? Latin1(text) : Encoding.UTF8.GetBytes(text);
        int count = 0;
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int k = 0;
            while (k < needle.Length && hay[i + k] == needle[k])
            {
                k++;
            }
            if (k == needle.Length)
            {
                count++;
            }
        }
        return count;
    }

    static void TestStatusAndEnums()
    {
        int[] codes = { Status.RegBadHeader, Status.RegSyntax, Status.RegEncoding, Status.RegTooLarge,
            Status.RegNotFound, Status.RegValueExists, Status.RegInvalidKeyPath, Status.RegInvalidValueName,
            Status.RegUnencodable, Status.RegTypeMismatch, Status.RegBadData };
        for (int i = 0; i < codes.Length; i++)
        {
            Check.Equal(1000 + i, codes[i]);
            Check.True(Library.StatusString(codes[i]) != "unknown status", "status " + codes[i] + " is described");
        }
        Check.Equal(4u, (uint)RegFormat.Regedit4);
        Check.Equal(2u, (uint)RegEncoding.Utf16Le);
        Check.Equal(11u, (uint)RegType.Qword);
    }

    static void TestParseBothFormats()
    {
        byte[] input = Utf16(V5Text);
        using (RegFile file = RegFile.Parse(input))
        {
            Check.Equal(RegFormat.Regedit5, file.Format);
            Check.Equal(RegEncoding.Utf16Le, file.Encoding);
            Check.Equal(0, file.Warnings.Length);
            Check.True(Same(input, file.ToBytes()), "v5: byte for byte");
        }
        using (RegFile v4 = RegFile.Parse(V4Bytes))
        {
            Check.Equal(RegFormat.Regedit4, v4.Format);
            Check.Equal(RegEncoding.Windows1252, v4.Encoding);
            Check.True(Same(V4Bytes, v4.ToBytes()), "REGEDIT4: byte for byte");
            Check.Equal("Caf\u00e9", v4.GetString(@"HKEY_LOCAL_MACHINE\SOFTWARE\Kerio", "name"));
            v4.SetUInt32(@"HKEY_LOCAL_MACHINE\SOFTWARE\Kerio", "Count", 993);
            Check.Equal(1, CountIn(v4, "\"Count\"=dword:000003e1\r\n"));
            byte[] canonical = Latin1("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kerio]\r\n" +
                "\"Name\"=\"Caf\u00e9\"\r\n\"Count\"=dword:000003e1\r\n\r\n");
            Check.True(Same(canonical, v4.ToCanonicalBytes()), "REGEDIT4 canonical bytes");
        }
        using (RegFile utf8 = RegFile.Parse(Encoding.UTF8.GetBytes(
            "Windows Registry Editor Version 5.00\n\n[HKEY_USERS\\x]\n")))
        {
            Check.Equal(RegEncoding.Utf8, utf8.Encoding);
        }
        using (RegFile bom = RegFile.Parse(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(
            Encoding.ASCII.GetBytes("Windows Registry Editor Version 5.00\r\n")).ToArray()))
        {
            Check.Equal(RegEncoding.Utf8Bom, bom.Encoding);
        }
        using (RegFile created = RegFile.Create(RegFormat.Regedit5))
        {
            Check.True(Same(Utf16("Windows Registry Editor Version 5.00\r\n"), created.ToBytes()),
                "a new version 5 file is the header in UTF-16LE");
        }
        using (RegFile created = RegFile.Create(RegFormat.Regedit4))
        {
            Check.Equal("REGEDIT4\r\n", Encoding.ASCII.GetString(created.ToBytes()));
        }
        Check.Throws(Status.InvalidArgument, "`format`", () => RegFile.Create((RegFormat)3));
    }

    static void TestKeysAndEntries()
    {
        using (RegFile file = V5(V5Text))
        {
            RegKey[] keys = file.Keys;
            Check.Equal(3, keys.Length);
            Check.Equal(Key, keys[0].Path);
            Check.Equal(3, keys[0].Line);
            Check.True(!keys[0].IsDeletion, "key 0 is not a deletion");
            Check.True(keys[1].IsDeletion, "key 1 is a deletion");
            Check.Equal(16, keys[1].Line);
            Check.Equal(2, keys[2].Index);
            Check.Equal(18, keys[2].Line);

            RegEntry[] entries = file.Entries(0);
            Check.Equal(10, entries.Length);
            Check.Equal("Server", entries[0].Name);
            Check.Equal(RegType.Sz, entries[0].Type);
            Check.Equal(5, entries[0].Line);
            Check.Equal("mail.example.com\0", Encoding.Unicode.GetString(entries[0].Data));
            Check.Equal("", entries[2].Name);
            Check.Equal(RegType.Binary, entries[6].Type);
            Check.Equal("010203", BitConverter.ToString(entries[6].Data).Replace("-", ""));
            Check.Equal("Gone", entries[7].Name);
            Check.True(entries[7].IsDeletion, "Gone is a deletion");
            Check.Equal(RegType.None, entries[7].Type);
            Check.Equal(0, entries[7].Data.Length);
            Check.Equal(12, entries[7].Line);
            Check.Equal(Gruesse, entries[8].Name);
            Check.Equal(0, file.Entries(1).Length);
            Check.Equal(1, file.Entries(2).Length);
            Check.Throws(Status.OutOfRange, "key index 3", () => file.Entries(3));
            UIntPtr line;
            IntPtr path;
            byte deletion;
            Check.Status(Status.OutOfRange, Native.olk_reg_file_key(file.Handle, (UIntPtr)3, out path,
                out deletion, out line));
            Check.Equal(IntPtr.Zero, path);
            IntPtr name, data;
            uint type;
            UIntPtr len;
            Check.Status(Status.OutOfRange, Native.olk_reg_file_entry(file.Handle, UIntPtr.Zero, (UIntPtr)10,
                out name, out type, out deletion, out data, out len, out line));
            Check.True(Library.LastErrorMessage().Contains("entry index 10"), "the message names the index");
        }
    }

    static void TestGetters()
    {
        using (RegFile file = V5(V5Text))
        {
            string lower = @"hkey_current_user\software\kerio\CONNECTOR";
            Check.Equal(443u, file.GetUInt32(lower, "PORT"));
            Check.Equal(0x0123456789abcdefUL, file.GetUInt64(Key, "Big"));
            Check.Equal("override.example.com", file.GetString(Key, "Server"));
            Check.Equal("default", file.GetString(Key, ""));
            Check.Equal("%A%", file.GetString(Key, "Path"));
            string text;
            Check.True(file.TryGetString(Key, Gruesse.ToUpperInvariant(), out text), "TryGetString finds it");
            Check.Equal("Stra\u00dfe \u65e5\u672c", text);
            Check.Equal("a|bc", string.Join("|", file.GetMultiString(Key, "List")));
            RegValue blob = file.GetValue(Key, "blob");
            Check.Equal(RegType.Binary, blob.Type);
            Check.Equal(3, blob.Data.Length);

            Check.Equal(null, file.GetValue(Key, "Gone"));
            Check.Equal(null, file.GetValue(@"HKEY_CURRENT_USER\Software\Kerio\Old", "x"));
            Check.True(!file.TryGetString(Key, "Nope", out text), "TryGetString: missing");
            Check.Equal(null, text);
            Check.Throws(Status.RegNotFound, "\"Nope\" not found", () => file.GetString(Key, "Nope"));
            Check.Throws(Status.RegNotFound, "\"Gone\"", () => file.GetUInt32(Key, "Gone"));
            Check.Throws(Status.RegNotFound, "not found", () => file.GetUInt64(@"HKEY_USERS\x", "Big"));
            Check.Throws(Status.RegNotFound, "not found", () => file.GetMultiString(Key, "Nope"));
            Check.Throws(Status.RegTypeMismatch, "value \"Server\"", () => file.GetUInt32(Key, "Server"));
            Check.Throws(Status.RegTypeMismatch, "REG_DWORD", () => file.TryGetString(Key, "Port", out text));
            Check.Throws(Status.RegTypeMismatch, "REG_QWORD", () => file.GetUInt64(Key, "Port"));
            Check.Throws(Status.RegTypeMismatch, "REG_MULTI_SZ", () => file.GetMultiString(Key, "Blob"));
            Check.Throws(Status.RegBadData, "exactly 4 bytes", () => file.GetUInt32(Key, "Odd"));
            Check.Throws(Status.EmbeddedNul, "index 1", () => file.GetValue(Key, "a\0b"));
        }
    }

    static void TestSetters()
    {
        using (RegFile file = V5(V5OneKey))
        {
            file.SetUInt32(Key, "Port", 993);
            Check.Equal(1, CountIn(file, "\r\n\"Port\"=dword:000003e1\r\n@=\"default\"\r\n"));
            Check.Equal(0, CountIn(file, "000001bb"));
            Check.Equal(993u, file.GetUInt32(Key, "Port"));
            file.SetString(Key, "Server", "imap.example.com");
            Check.Equal(1, CountIn(file, "\"Server\"=\"imap.example.com\"\r\n"));
            file.SetString(Key, "", "new default");
            Check.Equal(1, CountIn(file, "@=\"new default\"\r\n"));
            file.SetExpandString(Key, "Path", "%A%B");
            Check.Equal(1, CountIn(file, "\"Path\"=hex(2):25,00,41,00,25,00,42,00,00,00\r\n"));
            Check.Equal("%A%B", file.GetString(Key, "Path"));
            file.SetMultiString(Key, "List", new[] { "x", "yz" });
            Check.Equal(1, CountIn(file, "\"List\"=hex(7):78,00,00,00,79,00,7a,00,00,00,00,00\r\n"));
            Check.Equal("x|yz", string.Join("|", file.GetMultiString(Key, "List")));
            file.SetMultiString(Key, "None", new string[0]);
            Check.Equal(1, CountIn(file, "\"None\"=hex(7):00,00\r\n"));
            Check.Equal(0, file.GetMultiString(Key, "None").Length);
            file.SetMultiString(Key, "Unicode", new[] { Gruesse, "\u65e5\u672c\u8a9e", "\U0001F600" });
            Check.Equal(Gruesse + "|\u65e5\u672c\u8a9e|\U0001F600", string.Join("|", file.GetMultiString(Key, "unicode")));
            file.SetUInt64(Key, "Big", 1);
            Check.Equal(1, CountIn(file, "\"Big\"=hex(b):01,00,00,00,00,00,00,00\r\n"));
            Check.Equal(1UL, file.GetUInt64(Key, "Big"));
            file.SetValue(Key, "Blob", RegType.Binary, new byte[] { 0xDE, 0xAD });
            Check.Equal(1, CountIn(file, "\"Blob\"=hex:de,ad\r\n"));
            file.SetValue(Key, "Empty", RegType.Binary, new byte[0]);
            Check.Equal(1, CountIn(file, "\"Empty\"=hex:\r\n"));
            file.SetValue(Key, "Custom", (RegType)0x1234, new byte[] { 7 });
            Check.Equal(1, CountIn(file, "\"Custom\"=hex(1234):07\r\n"));
            Check.Equal((RegType)0x1234, file.GetValue(Key, "CUSTOM").Type);
            file.SetString(@"HKEY_CURRENT_USER\Software\New", "A", "b");
            Check.Equal(1, CountIn(file, "\r\n\r\n[HKEY_CURRENT_USER\\Software\\New]\r\n\"A\"=\"b\"\r\n"));
        }
    }

    static void TestRenameDeleteAdd()
    {
        using (RegFile file = V5(V5Text))
        {
            file.RenameValue(Key, "Server", "Host");
            Check.Equal(2, CountIn(file, "\"Host\"="));
            Check.Equal(0, CountIn(file, "\"Server\""));
            Check.Equal("override.example.com", file.GetString(Key, "host"));
            Check.True(file.DeleteValue(Key, "HOST"), "DeleteValue: removed");
            Check.True(!file.DeleteValue(Key, "HOST"), "DeleteValue: nothing left");
            Check.True(file.AddKey(@"HKEY_CURRENT_USER\Software\Added"), "AddKey: added");
            Check.True(!file.AddKey(@"hkey_current_user\software\added"), "AddKey: already there");
            Check.Equal(1, CountIn(file, "[HKEY_CURRENT_USER\\Software\\Added]\r\n"));
            Check.Equal(4, file.Keys.Length);
            Check.True(file.DeleteKey(@"HKEY_CURRENT_USER\Software\Kerio"), "DeleteKey: removed");
            Check.True(!file.DeleteKey(@"HKEY_CURRENT_USER\Software\Kerio"), "DeleteKey: nothing left");
            Check.Equal(1, file.Keys.Length);
            Check.Equal(0, file.Keys[0].Line);
        }
    }

    static void TestFailedEditsLeaveTheFileUnchanged()
    {
        using (RegFile file = V5(V5Text))
        {
            byte[] before = file.ToBytes();
            Check.Throws(Status.RegValueExists, "already exists", () => file.RenameValue(Key, "Blob", "PORT"));
            Check.Throws(Status.RegNotFound, "\"Nope\"", () => file.RenameValue(Key, "Nope", "x"));
            Check.Throws(Status.RegInvalidKeyPath, "registry root", () => file.SetUInt32(@"Software\Kerio", "x", 1));
            Check.Throws(Status.RegInvalidKeyPath, "line break", () => file.AddKey("HKEY_USERS\\x\ny"));
            Check.Throws(Status.InvalidArgument, "`items[1]`", () => file.SetMultiString(Key, "L", new[] { "a", "" }));
            Check.Throws(Status.NullArgument, "`items[1]`", () => file.SetMultiString(Key, "L", new[] { "a", null }));
            Check.Throws(Status.EmbeddedNul, "index 1", () => file.SetString(Key, "x", "a\0b"));
            Check.True(Same(before, file.ToBytes()), "failed edits left the bytes unchanged");
        }
        using (RegFile v4 = RegFile.Parse(V4Bytes))
        {
            byte[] before = v4.ToBytes();
            Check.Throws(Status.RegUnencodable, "Windows-1252",
                () => v4.SetExpandString(@"HKEY_LOCAL_MACHINE\SOFTWARE\Kerio", "e", "\u65e5"));
            Check.Throws(Status.RegUnencodable, "key path", () => v4.AddKey("HKEY_LOCAL_MACHINE\\\u65e5"));
            Check.True(Same(before, v4.ToBytes()), "REGEDIT4: failed edits left the bytes unchanged");
        }
    }

    static void TestLenientAndErrors()
    {
        byte[] text = Encoding.ASCII.GetBytes("Windows Registry Editor Version 5.00\r\n\r\n" +
            "[HKEY_CURRENT_USER\\Software\\Test]\r\n\"Bad\"=dword:xyz\r\n\"Good\"=\"yes\"\r\n");
        Check.Throws(Status.RegSyntax, "line 4, column ", () => RegFile.Parse(text));
        using (RegFile file = RegFile.Parse(text, lenient: true))
        {
            RegWarning[] warnings = file.Warnings;
            Check.Equal(1, warnings.Length);
            Check.Equal(4, warnings[0].Line);
            Check.True(warnings[0].Column >= 1, "a column");
            Check.True(warnings[0].Message.StartsWith("line 4, column " + warnings[0].Column + ": "),
                "the message: " + warnings[0].Message);
            Check.Equal("yes", file.GetString(@"HKEY_CURRENT_USER\Software\Test", "Good"));
            Check.True(Same(text, file.ToBytes()), "skipped lines are kept");
            UIntPtr line, column;
            IntPtr message;
            Check.Status(Status.OutOfRange, Native.olk_reg_file_warning(file.Handle, (UIntPtr)1, out line,
                out column, out message));
            Check.Equal(IntPtr.Zero, message);
        }
        Check.Throws(Status.RegBadHeader, "line 1", () => RegFile.Parse(Encoding.ASCII.GetBytes("REGEDIT5\r\n")));
        Check.Throws(Status.RegBadHeader, "REGEDIT4", () => RegFile.Parse(new byte[0]));
        Check.Throws(Status.RegTooLarge, "limit of 10 bytes", () => RegFile.Parse(text, false, 10));
        byte[] odd = Utf16("Windows Registry Editor Version 5.00\r\n").Concat(new byte[] { 0x78 }).ToArray();
        Check.Throws(Status.RegEncoding, "UTF-16LE", () => RegFile.Parse(odd));
        RegFileHandle h;
        Check.Status(Status.InvalidArgument, Native.olk_reg_file_parse(text, (UIntPtr)text.Length, 2, 0, out h));
        Check.True(h.IsInvalid, "no handle on failure");
        Check.True(Library.LastErrorMessage().Contains("`flags`"), "the message names the flags");
        h.Dispose();
    }

    static void TestNullAndInvalidUtf8()
    {
        using (RegFile file = V5(V5Text))
        {
            byte[] before = file.ToBytes();
            IntPtr bad = RawBytes(0x61, 0x62, 0xFF);
            IntPtr key = Utf8.Alloc(Key);
            IntPtr name = Utf8.Alloc("Port");
            try
            {
                uint number;
                ulong big;
                IntPtr text, data;
                UIntPtr len, count;
                byte flag;
                var nullHandle = new RegFileHandle();
                // NULL handle, key, name and outputs.
                Check.Status(Status.NullArgument, Native.olk_reg_file_get_u32(nullHandle, key, name, out number));
                Check.True(Library.LastErrorMessage().Contains("argument `file` is NULL"), "names `file`");
                Check.Status(Status.NullArgument, Native.olk_reg_file_get_u32(file.Handle, IntPtr.Zero, name, out number));
                Check.True(Library.LastErrorMessage().Contains("`key`"), "names `key`");
                Check.Status(Status.NullArgument, Native.olk_reg_file_get_string(file.Handle, key, IntPtr.Zero, out text));
                Check.True(Library.LastErrorMessage().Contains("`name`"), "names `name`");
                Check.Status(Status.NullArgument, NullNative.olk_reg_file_get_u32(file.Handle, key, name, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`out`"), "names `out`");
                Check.Status(Status.NullArgument, NullNative.olk_reg_file_key_count(file.Handle, IntPtr.Zero));
                Check.Status(Status.NullArgument, NullNative.olk_reg_file_to_bytes(file.Handle, IntPtr.Zero, IntPtr.Zero));
                Check.Status(Status.NullArgument, NullNative.olk_reg_file_parse(IntPtr.Zero, (UIntPtr)1, 0, 0, IntPtr.Zero));
                Check.Status(Status.NullArgument, Native.olk_reg_file_parse(null, (UIntPtr)3, 0, 0, out nullHandle));
                Check.True(Library.LastErrorMessage().Contains("`data`"), "names `data`");
                Check.Status(Status.NullArgument, Native.olk_reg_file_open(IntPtr.Zero, 0, 0, out nullHandle));
                Check.Status(Status.NullArgument, Native.olk_reg_file_set_string(file.Handle, key, name, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`text`"), "names `text`");
                Check.Status(Status.NullArgument, Native.olk_reg_file_set_multi_string(file.Handle, key, name, null, (UIntPtr)2));
                Check.True(Library.LastErrorMessage().Contains("`items`"), "names `items`");
                Check.Status(Status.NullArgument, Native.olk_reg_file_set_value(file.Handle, key, name, 3, null, (UIntPtr)2));
                Check.Status(Status.NullArgument, Native.olk_reg_file_rename_value(file.Handle, key, name, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`to`"), "names `to`");
                Check.Status(Status.NullArgument, Native.olk_reg_file_add_key(file.Handle, IntPtr.Zero, out flag));
                Check.Status(Status.NullArgument, Native.olk_reg_file_delete_key(nullHandle, key, out flag));
                Check.Status(Status.NullArgument, Native.olk_reg_file_save(file.Handle, IntPtr.Zero));
                // A NULL `removed` is allowed: the caller does not want it.
                using (var nope = new Utf8Arg("Nope"))
                {
                    Check.Status(Status.Ok, NullNative.olk_reg_file_delete_value(file.Handle, key, nope.Pointer,
                        IntPtr.Zero));
                }

                // Invalid UTF-8 in key, name, text and path arguments.
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_get_value(file.Handle, bad, name, out number,
                    out data, out len));
                Check.True(Library.LastErrorMessage().Contains("argument `key` is not valid UTF-8: invalid byte at offset 2"),
                    "names `key` and the offset");
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_get_u64(file.Handle, key, bad, out big));
                Check.True(Library.LastErrorMessage().Contains("`name`"), "names `name`");
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_get_multi_string(file.Handle, key, bad, out data,
                    out len, out count));
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_set_expand_string(file.Handle, key, name, bad));
                Check.True(Library.LastErrorMessage().Contains("`text`"), "names `text`");
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_set_u64(file.Handle, bad, name, 1));
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_set_multi_string(file.Handle, key, name,
                    new[] { key, bad }, (UIntPtr)2));
                Check.True(Library.LastErrorMessage().Contains("`items[1]`"), "names `items[1]`");
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_rename_value(file.Handle, key, bad, name));
                Check.True(Library.LastErrorMessage().Contains("`from`"), "names `from`");
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_delete_value(file.Handle, key, bad, out flag));
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_add_key(file.Handle, bad, out flag));
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_delete_key(file.Handle, bad, out flag));
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_save(file.Handle, bad));
                Check.Status(Status.InvalidUtf8, Native.olk_reg_file_open(bad, 0, 0, out nullHandle));
                Check.True(nullHandle.IsInvalid, "no handle on failure");
                Check.True(Same(before, file.ToBytes()), "nothing changed");
            }
            finally
            {
                Marshal.FreeHGlobal(bad);
                Marshal.FreeHGlobal(key);
                Marshal.FreeHGlobal(name);
            }
        }
    }

    static void TestSaveOpenAndDispose()
    {
        string path = Path.Combine(Directory.GetCurrentDirectory(), "test_regfile_dotnet.reg");
        File.Delete(path);
        RegFile file = V5(V5OneKey);
        file.SetUInt32(Key, "Port", 993);
        file.Save(path);
        Check.True(Same(file.ToBytes(), File.ReadAllBytes(path)), "saved bytes");
        using (RegFile back = RegFile.Open(path))
        {
            Check.True(Same(file.ToBytes(), back.ToBytes()), "read back");
            Check.Equal(993u, back.GetUInt32(Key, "Port"));
        }
        Check.Throws(Status.RegTooLarge, path, () => RegFile.Open(path, false, 16));
        File.Delete(path);
        Check.Throws(Status.Io, path, () => RegFile.Open(path));
        Check.Throws(Status.Io, "no-such-dir", () => file.Save("no-such-dir/x.reg"));

        // After Dispose the handle is closed and the marshaller refuses it.
        Check.Disposes(file, () => file.ToBytes());
    }

    static void TestBundledFiles()
    {
        string example = SourcePath("examples/outlook-profiles.reg");
        using (RegFile file = RegFile.Open(example))
        {
            Check.True(Same(File.ReadAllBytes(example), file.ToBytes()), "the example: byte for byte");
            Check.Equal(RegFormat.Regedit5, file.Format);
            Check.Equal("Kerio", file.GetString(@"HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook",
                "defaultprofile"));
            Check.True(file.Keys.Length > 5, "the example has keys");
        }
        string types = SourcePath("crates/regfile/tests/fixtures/wine/v5/types.reg");
        string key = @"HKEY_CURRENT_USER\Software\OlkitFixtures\Types";
        using (RegFile wine = RegFile.Open(types))
        {
            Check.True(Same(File.ReadAllBytes(types), wine.ToBytes()), "types.reg: byte for byte");
            Check.Equal(0x12345678u, wine.GetUInt32(key, "dword-big-endian"));
            Check.Equal(ulong.MaxValue, wine.GetUInt64(key, "qword-max"));
            Check.Equal(Gruesse + "|\u65e5\u672c\u8a9e|\U0001F600",
                string.Join("|", wine.GetMultiString(key, "multi-sz-unicode")));
            Check.Equal("Gr\u00fc\u00dfe \u65e5\u672c\u8a9e \U0001F600", wine.GetString(key, "sz-unicode"));
            Check.Equal("non-ASCII value name", wine.GetString(key, "Gr\u00fc\u00dfe-\u540d\u524d-\U0001F600"));
            Check.Equal((RegType)0xffffffffu, wine.GetValue(key, "type-0xffffffff").Type);
            using (RegFile canonical = RegFile.Parse(wine.ToCanonicalBytes()))
            {
                Check.Equal(wine.Keys.Length, canonical.Keys.Length);
                Check.Equal(wine.GetString(key, "sz-unicode"), canonical.GetString(key, "sz-unicode"));
            }
        }
    }

    static int Main()
    {
        return Check.Run(TestStatusAndEnums, TestParseBothFormats, TestKeysAndEntries, TestGetters, TestSetters,
            TestRenameDeleteAdd, TestFailedEditsLeaveTheFileUnchanged, TestLenientAndErrors, TestNullAndInvalidUtf8,
            TestSaveOpenAndDispose, TestBundledFiles);
    }
}

// Olkit.MsiPackage, MsiQuery, MsiView, MsiRecord, MsiIdentity and
// MsiInventory (bindings/dotnet/Olkit.cs over olk_msi_*) on Mono: the
// fixture package ffi/tests/languages.rs builds with wixl
// ($OLKIT_MSI_FIXTURES, with msiinfo's exports to compare with) read through
// every wrapper: tables and columns, IDT export byte for byte, properties,
// streams, summary information, identity, queries with bound records and
// every field type, SQL, record and corrupt-package errors as
// OlkitException, NULL handles, strings and outputs through the raw
// declarations, invalid UTF-8, the inventory fixture
// (crates/msi-query/tests/fixtures/inventory/installed-products.reg),
// FindRelatedProducts, and SafeHandle lifetimes. Built with mcs and run
// with mono by ffi/tests/languages.rs.
using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Olkit;
using static Support;

/// Declarations with IntPtr where Olkit.Native has `out`, to pass NULL.
static class MsiNullNative
{
    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_package_open(IntPtr path, IntPtr package);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_package_table_count(MsiPackageHandle package, IntPtr count);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_package_column(MsiPackageHandle package, IntPtr table, UIntPtr index,
        IntPtr name, IntPtr type, IntPtr isKey);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_package_read_stream(MsiPackageHandle package, IntPtr name, IntPtr data,
        IntPtr len);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_query_execute(MsiQueryHandle query, MsiPackageHandle package,
        MsiRecordHandle parameters, IntPtr view);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_view_fetch(MsiViewHandle view, IntPtr record);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_record_get_int(MsiRecordHandle record, UIntPtr field, IntPtr value);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_identity_get(MsiIdentityHandle identity, uint field, IntPtr value);

    [DllImport(Native.Lib, CallingConvention = CallingConvention.Cdecl)]
    public static extern int olk_msi_package_find_related_products(MsiPackageHandle package,
        MsiInventoryHandle inventory, uint scope, IntPtr userSid, IntPtr verdict, IntPtr report);
}

static class TestMsi
{
    // What ffi/tests/languages.rs puts in the fixture package.
    const string ProductCode = "{1B7E2C90-3D4F-4A5B-9C6D-7E8F90A1B2C3}";
    const string UpgradeCode = "{0E2C8B6A-1F3D-4A5B-8C7D-9E0F1A2B3C4D}";
    const string ProductVersion = "1.5.2.7";
    // The inventory fixture's products under UpgradeCode.
    const string SampleMachine = "{3F9A7C21-8B4D-4E6F-A1B2-C3D4E5F60718}"; // 1.1.0
    const string SampleUser = "{4E8B2D13-6A5C-4B7D-9E0F-1A2B3C4D5E6F}";    // 1.0.5
    const string SampleNewer = "{7C4D9E2A-3B1F-4C5D-8E6F-708192A3B4C5}";   // 2.0.0
    const string OtherUser = "S-1-5-21-3623811015-3361044348-30300820-1014";
    const string EmptyReg = "Windows Registry Editor Version 5.00\r\n\r\n";

    static string Fixture(string name)
    {
        return EnvPath("OLKIT_MSI_FIXTURES", name);
    }

    /// The source of the fixture's Binary.Blob stream.
    static byte[] BlobSource()
    {
        return File.ReadAllBytes(Fixture("bits.bin"));
    }

    static string InventoryPath()
    {
        return SourcePath("crates/msi-query/tests/fixtures/inventory/installed-products.reg");
    }

    static MsiPackage OpenFixture()
    {
        return MsiPackage.Open(Fixture("fixture.msi"));
    }

    static MsiInventory InventoryFixture()
    {
        return MsiInventory.Parse(File.ReadAllBytes(InventoryPath()));
    }

    static MsiInventory InventoryOf(string text)
    {
        return MsiInventory.Parse(Encoding.UTF8.GetBytes(text));
    }

    /// The lines of an IDT text (CR LF) exported by msiinfo.
    static string[] IdtLines(string table)
    {
        string text = Encoding.UTF8.GetString(File.ReadAllBytes(Fixture(table + ".idt")));
        return text.Split(new[] { "\r\n" }, StringSplitOptions.None);
    }

    static string SummaryIdtValue(string pid)
    {
        return IdtLines("_SummaryInformation").Select(l => l.Split('\t'))
            .Where(f => f.Length == 2 && f[0] == pid).Select(f => f[1]).FirstOrDefault();
    }

    static int CountOf(string text, string needle)
    {
        int count = 0;
        for (int at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0;
             at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    static void Has(string text, string needle)
    {
        Check.True(text != null && text.Contains(needle), "\"" + needle + "\" in " + text);
    }

    static MsiView Run(MsiPackage package, string sql, MsiRecord parameters = null)
    {
        using (MsiQuery query = MsiQuery.Prepare(sql))
        {
            return query.Execute(package, parameters);
        }
    }

    static void TestStatusAndEnums()
    {
        Check.Equal(3000, Status.MsiContainer);
        Check.Equal(3014, Status.MsiUnknownProperty);
        Check.True(Library.StatusString(Status.MsiNoMoreRows) != "unknown status", "described");
        Check.Equal("unknown status", Library.StatusString(3015));
        Check.Equal(2u, (uint)MsiKind.MergeModule);
        Check.Equal(3u, (uint)MsiFieldType.Stream);
        Check.Equal(10u, (uint)MsiIdentityField.MinimumInstallerVersion);
        Check.Equal(3u, (uint)MsiScope.User);
        Check.Equal(4u, (uint)MsiVerdict.Maintenance);
        Check.Equal(4u, (uint)MsiContext.Machine);
    }

    static void TestOpenTablesAndColumns()
    {
        using (MsiPackage package = OpenFixture())
        using (MsiPackage copy = MsiPackage.OpenBytes(File.ReadAllBytes(Fixture("fixture.msi"))))
        {
            Check.Equal(MsiKind.Database, package.Kind);
            Check.Equal(MsiKind.Database, copy.Kind);
            Check.Equal(uint.Parse(IdtLines("_ForceCodepage")[2].Split('\t')[0]), package.Codepage);
            Check.Equal(package.Codepage, copy.Codepage);
            string[] listed = File.ReadAllLines(Fixture("tables.txt"));
            Check.Equal("_SummaryInformation", listed[0]);
            Check.Equal(string.Join(",", listed.Skip(2)), string.Join(",", package.TableNames));
            Check.Equal(string.Join(",", listed.Skip(2)), string.Join(",", copy.TableNames));
            foreach (string table in new[] { "Property", "Upgrade", "Binary", "File" })
            {
                string[] idt = IdtLines(table);
                string[] names = idt[0].Split('\t'), types = idt[1].Split('\t'), keys = idt[2].Split('\t');
                MsiColumn[] columns = package.Columns(table);
                Check.Equal(names.Length, columns.Length);
                for (int i = 0; i < columns.Length && i < names.Length; i++)
                {
                    Check.Equal(names[i], columns[i].Name);
                    Check.Equal(types[i], columns[i].Type);
                    Check.Equal(keys.Skip(1).Contains(names[i]), columns[i].IsKey);
                }
            }
            MsiColumn[] streams = package.Columns("_Streams");
            Check.Equal("Data", streams[1].Name);
            Check.Equal("V0", streams[1].Type);
            Check.Throws(Status.MsiNoSuchTable, "\"Nope\"", () => package.Columns("Nope"));
            IntPtr name;
            Check.Status(Status.OutOfRange, Native.olk_msi_package_table_name(package.Handle,
                (UIntPtr)listed.Length, out name));
            Check.Equal(IntPtr.Zero, name);
        }
    }

    static void TestOpenErrorsAndCorruption()
    {
        Check.Throws(Status.Io, "no-such.msi", () => MsiPackage.Open(Fixture("no-such.msi")));
        Check.Throws(Status.MsiContainer, InventoryPath(), () => MsiPackage.Open(InventoryPath()));
        Check.Throws(Status.MsiContainer, "compound file", () => MsiPackage.OpenBytes(new byte[0]));
        byte[] msi = File.ReadAllBytes(Fixture("fixture.msi"));
        Check.True(msi.Length > 4096, "a real package");
        Check.Throws(Status.MsiContainer, "compound file", () => MsiPackage.OpenBytes(msi.Take(msi.Length / 2).ToArray()));
        Check.Throws(Status.MsiContainer, "compound file", () => MsiPackage.OpenBytes(msi.Take(512).ToArray()));
        msi[0] ^= 0xff;
        Check.Throws(Status.MsiContainer, "compound file", () => MsiPackage.OpenBytes(msi));
    }

    static void TestExportPropertiesStreams()
    {
        using (MsiPackage package = OpenFixture())
        {
            foreach (string table in new[] { "Property", "Upgrade", "Binary", "File", "_SummaryInformation",
                         "_ForceCodepage" })
            {
                byte[] expected = File.ReadAllBytes(Fixture(table + ".idt"));
                Check.True(expected.Length > 0 && Same(expected, package.ExportTable(table)), table + ": as msiinfo");
            }
            Check.Throws(Status.MsiNoSuchTable, "Nope", () => package.ExportTable("Nope"));
            Check.Equal(ProductVersion, package.Property("ProductVersion"));
            Check.Equal(Gruesse, package.Property("GREETING"));
            Check.Equal(null, package.Property("NoSuchProperty"));
            Check.True(Same(BlobSource(), package.ReadStream("Binary.Blob")), "the Blob stream");
            Check.Throws(Status.MsiNoSuchStream, "Binary.Nope", () => package.ReadStream("Binary.Nope"));
        }
    }

    static void TestSummaryAndIdentity()
    {
        string code = SummaryIdtValue("9");
        string created = SummaryIdtValue("12").Replace('/', '-').Replace(' ', 'T'); // UTC
        MsiIdentity identity;
        using (MsiPackage package = OpenFixture())
        {
            string json = package.SummaryJson();
            Has(json, "{\"id\":7,\"name\":\"Template\",\"value\":\"x64;1033\"}");
            Has(json, "{\"id\":9,\"name\":\"RevisionNumber\",\"value\":\"" + code + "\"}");
            Has(json, "{\"id\":12,\"name\":\"CreateTime\",\"value\":\"" + created + "Z\"}");
            Has(json, "{\"id\":14,\"name\":\"PageCount\",\"value\":405}");
            identity = package.Identity();
        }
        using (identity) // outlives the package
        {
            Check.Equal(ProductCode, identity.Get(MsiIdentityField.ProductCode));
            Check.Equal(ProductVersion, identity.Get(MsiIdentityField.ProductVersion));
            Check.Equal(UpgradeCode, identity.Get(MsiIdentityField.UpgradeCode));
            Check.Equal("Olkit FFI Fixture", identity.Get(MsiIdentityField.ProductName));
            Check.Equal("Olkit Test Co", identity.Get(MsiIdentityField.Manufacturer));
            Check.Equal("1033", identity.Get(MsiIdentityField.ProductLanguage));
            Check.Equal(code, identity.Get(MsiIdentityField.PackageCode));
            Check.Equal("x64", identity.Get(MsiIdentityField.Architecture));
            Check.Equal("1033", identity.Get(MsiIdentityField.Languages));
            Check.Equal("4.5", identity.Get(MsiIdentityField.MinimumInstallerVersion));
            Check.Throws(Status.InvalidArgument, "olk_msi_identity_field", () => identity.Get((MsiIdentityField)11));
        }
    }

    static void TestQueriesAndRecords()
    {
        using (MsiPackage package = OpenFixture())
        using (MsiQuery query = MsiQuery.Prepare("SELECT `Property`, `Value` FROM `Property` WHERE `Property` = ?"))
        using (MsiRecord parameters = MsiRecord.Create(1))
        {
            Check.Equal(1, query.MarkerCount);
            Check.Equal(1, parameters.FieldCount);
            Check.True(parameters.IsNull(1), "new fields are NULL");
            parameters.SetString(1, "GREETING");
            using (MsiView view = query.Execute(package, parameters))
            {
                MsiColumn[] columns = view.Columns;
                Check.Equal("Property:s72,Value:l0", string.Join(",", columns.Select(c => c.Name + ":" + c.Type)));
                Check.Equal(1, view.RowCount);
                using (MsiRecord row = view.Fetch())
                {
                    Check.Equal(2, row.FieldCount);
                    Check.Equal(MsiFieldType.String, row.FieldType(2));
                    Check.Equal(Gruesse, row.GetString(2));
                }
                Check.Equal(null, view.Fetch()); // Status.MsiNoMoreRows
                Check.Equal(null, view.Fetch());
            }

            // Every row of SELECT * in msiinfo's order.
            string[] idt = IdtLines("Property");
            using (MsiView all = Run(package, "SELECT * FROM `Property`"))
            {
                Check.Equal(idt.Length - 4, all.RowCount); // 3 header lines, a last empty one
                for (int n = 3; n < idt.Length - 1; n++)
                {
                    using (MsiRecord row = all.Fetch())
                    {
                        Check.Equal(idt[n], row.GetString(1) + "\t" + row.GetString(2));
                    }
                }
                Check.Equal(null, all.Fetch());
            }

            // Integers, NULL, an integer parameter.
            using (MsiRecord sequence = MsiRecord.Create(1))
            {
                sequence.SetInt(1, 1);
                using (MsiView files = Run(package,
                    "SELECT `FileSize`, `Attributes`, `Version` FROM `File` WHERE `Sequence` = ?", sequence))
                using (MsiRecord file = files.Fetch())
                {
                    Check.Equal(MsiFieldType.Int, file.FieldType(1));
                    Check.Equal((int)new FileInfo(Fixture("readme.txt")).Length, file.GetInt(1));
                    Check.Equal(512, file.GetInt(2));
                    Check.True(file.IsNull(3), "Version is NULL");
                    Check.Equal(MsiFieldType.Null, file.FieldType(3));
                    Check.Equal("", file.GetString(3));
                    Check.Throws(Status.MsiTypeMismatch, "field 3 is NULL, not an integer", () => file.GetInt(3));
                    Check.Throws(Status.MsiTypeMismatch, "field 1 is an integer", () => file.GetString(1));
                    Check.Throws(Status.MsiTypeMismatch, "not a stream", () => file.StreamName(1));
                    Check.Throws(Status.MsiTypeMismatch, "not a stream", () => file.ReadStream(2));
                    Check.Throws(Status.OutOfRange, "field 4 is out of range", () => file.GetInt(4));
                }
                sequence.SetInt(1, 2);
                using (MsiView none = Run(package, "SELECT `File` FROM `File` WHERE `Sequence` = ?", sequence))
                {
                    Check.Equal(0, none.RowCount);
                    Check.Equal(null, none.Fetch());
                }
            }
        }

        // A stream field, readable after the package and the view are gone.
        MsiRecord blob;
        using (MsiPackage own = OpenFixture())
        using (MsiView binary = Run(own, "SELECT `Name`, `Data` FROM `Binary`"))
        {
            blob = binary.Fetch();
        }
        using (blob)
        {
            Check.Equal("Blob", blob.GetString(1));
            Check.Equal(MsiFieldType.Stream, blob.FieldType(2));
            Check.Equal("Binary.Blob", blob.StreamName(2));
            Check.True(Same(BlobSource(), blob.ReadStream(2)), "the stream's bytes");
            Check.Throws(Status.MsiTypeMismatch, "field 2 is a stream", () => blob.GetString(2));
        }

        // Setters.
        using (MsiRecord record = MsiRecord.Create(2))
        {
            record.SetInt(1, -7);
            Check.Equal(-7, record.GetInt(1));
            Check.True(!record.IsNull(1), "set");
            record.SetNull(1);
            Check.True(record.IsNull(1), "NULL again");
            record.SetString(2, "");
            Check.True(record.IsNull(2), "the empty string is NULL");
            Check.Throws(Status.OutOfRange, "numbered from 1", () => record.SetInt(0, 1));
            Check.Throws(Status.OutOfRange, "field 3", () => record.SetString(3, "x"));
        }
        Check.Throws(Status.OutOfRange, "65535", () => MsiRecord.Create(65536));
        bool refused = false;
        try
        {
            MsiRecord.Create(-1);
        }
        catch (ArgumentOutOfRangeException)
        {
            refused = true;
        }
        Check.True(refused, "a negative count is refused before the call");
    }

    static void TestSqlErrors()
    {
        using (MsiPackage package = OpenFixture())
        {
            Check.Throws(Status.MsiSqlSyntax, "SQL error at byte 9 (\"FRM\")", () => MsiQuery.Prepare("SELECT * FRM `Property`"));
            Check.Throws(Status.MsiSqlSyntax, "double quotes",
                () => MsiQuery.Prepare("SELECT * FROM `Property` WHERE `Value` = \"x\""));
            Check.Throws(Status.MsiNoSuchTable, "no table named \"Nope\"", () => Run(package, "SELECT * FROM `Nope`"));
            Check.Throws(Status.MsiSqlInvalid, "no column", () => Run(package, "SELECT `Nope` FROM `Property`"));
            Check.Throws(Status.MsiSqlInvalid, "cannot compare strings",
                () => Run(package, "SELECT * FROM `Property` WHERE `Value` < 'a'"));
            using (MsiQuery two = MsiQuery.Prepare("SELECT * FROM `Property` WHERE `Property` = ? OR `Value` = ?"))
            using (MsiRecord one = MsiRecord.Create(1))
            using (MsiView binary = Run(package, "SELECT `Name`, `Data` FROM `Binary`"))
            using (MsiRecord row = binary.Fetch())
            {
                Check.Throws(Status.MsiMarkerCount, "2 ? markers", () => two.Execute(package));
                Check.Throws(Status.MsiMarkerCount, "record has 1 fields", () => two.Execute(package, one));
                Check.Throws(Status.InvalidArgument, "holds a stream", () => two.Execute(package, row));
            }
        }
    }

    static void TestInventoryAndUpgrades()
    {
        using (MsiInventory inventory = InventoryFixture())
        using (MsiPackage package = OpenFixture())
        {
            string all = inventory.ProductsJson();
            Check.Equal(10, CountOf(all, "{\"product_code\":"));
            Check.Equal(5, CountOf(all, "{\"key\":"));
            Has(all, "{\"product_code\":\"" + SampleMachine + "\",\"context\":\"machine\"");
            string related = inventory.ProductsJson(UpgradeCode);
            Check.Equal(3, CountOf(related, "{\"product_code\":"));
            Has(related, SampleNewer);
            Check.Throws(Status.InvalidArgument, "upgrade_code", () => inventory.ProductsJson("nope"));
            Check.Equal("1.1.0", inventory.ProductInfo(SampleMachine, MsiContext.Machine, "VersionString"));
            Check.Equal("5", inventory.ProductInfo(SampleNewer, MsiContext.UserUnmanaged, "State", OtherUser));
            Check.Throws(Status.MsiUnknownProduct, SampleNewer,
                () => inventory.ProductInfo(SampleNewer, MsiContext.UserUnmanaged, "State"));
            Check.Throws(Status.MsiUnknownProperty, "Colour",
                () => inventory.ProductInfo(SampleMachine, MsiContext.Machine, "Colour"));
            Check.Throws(Status.InvalidArgument, "olk_msi_context",
                () => inventory.ProductInfo(SampleMachine, (MsiContext)3, "State"));
            Check.Throws(Status.RegBadHeader, "", () => MsiInventory.Parse(Encoding.ASCII.GetBytes("REGEDIT9\r\n")));

            MsiRelated result = package.FindRelatedProducts(inventory);
            Check.Equal(MsiVerdict.Downgrade, result.Verdict);
            Has(result.ReportJson, "{\"verdict\":\"downgrade\",\"maintenance\":false,\"downgrade\":true,");
            Has(result.ReportJson, "[\"WIX_UPGRADE_DETECTED\",\"" + SampleUser + ";" + SampleMachine + "\"]");
            Has(result.ReportJson, "{\"action\":\"detect\",\"product\":{\"product_code\":\"" + SampleNewer);
            result = package.FindRelatedProducts(inventory, MsiScope.Machine);
            Check.Equal(MsiVerdict.Upgrade, result.Verdict);
            Has(result.ReportJson, "\"action_properties\":[[\"WIX_UPGRADE_DETECTED\",\"" + SampleMachine + "\"]]");
            result = package.FindRelatedProducts(inventory, MsiScope.User, OtherUser);
            Check.Equal(MsiVerdict.Downgrade, result.Verdict);
            Check.Equal(0, CountOf(result.ReportJson, "\"action\":\"remove\""));
            using (MsiInventory empty = InventoryOf(EmptyReg))
            {
                Check.Equal("{\"current_user_sid\":null,\"products\":[],\"warnings\":[]}", empty.ProductsJson());
                Check.Equal(MsiVerdict.Install, package.FindRelatedProducts(empty).Verdict);
            }
            using (MsiInventory own = InventoryOf(EmptyReg +
                "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Installer\\Products\\09C2E7B1F4D3B5A4C9D6E7F8091A2B3C]\r\n" +
                "\"Version\"=dword:01050002\r\n"))
            {
                Check.Equal(MsiVerdict.Maintenance, package.FindRelatedProducts(own).Verdict);
            }
            Check.Throws(Status.InvalidArgument, "olk_msi_scope", () => package.FindRelatedProducts(inventory, (MsiScope)9));
            Check.Throws(Status.InvalidArgument, "user_sid",
                () => package.FindRelatedProducts(inventory, MsiScope.Machine, OtherUser));
        }
    }

    /// NULL handles, strings and outputs through the raw declarations.
    static void TestNullArguments()
    {
        using (MsiPackage package = OpenFixture())
        using (MsiInventory inventory = InventoryOf(EmptyReg))
        using (MsiQuery query = MsiQuery.Prepare("SELECT `Name`, `Data` FROM `Binary`"))
        using (MsiView view = query.Execute(package))
        using (MsiIdentity identity = package.Identity())
        using (MsiRecord record = view.Fetch())
        {
            var noPackage = new MsiPackageHandle();
            var noQuery = new MsiQueryHandle();
            var noView = new MsiViewHandle();
            var noRecord = new MsiRecordHandle();
            var noIdentity = new MsiIdentityHandle();
            var noInventory = new MsiInventoryHandle();
            IntPtr table = Utf8.Alloc("File");
            try
            {
                uint number;
                int value;
                byte flag;
                UIntPtr count;
                IntPtr text, type, data;
                MsiPackageHandle packageOut;
                MsiQueryHandle queryOut;
                MsiViewHandle viewOut;
                MsiRecordHandle recordOut;
                MsiIdentityHandle identityOut;
                MsiInventoryHandle inventoryOut;
                UIntPtr one = (UIntPtr)1;
                // NULL handles.
                Check.Status(Status.NullArgument, Native.olk_msi_package_kind(noPackage, out number));
                Check.True(Library.LastErrorMessage().Contains("argument `package` is NULL"), "names `package`");
                Check.Status(Status.NullArgument, Native.olk_msi_package_codepage(noPackage, out number));
                Check.Status(Status.NullArgument, Native.olk_msi_package_table_count(noPackage, out count));
                Check.Status(Status.NullArgument, Native.olk_msi_package_table_name(noPackage, UIntPtr.Zero, out text));
                Check.Status(Status.NullArgument, Native.olk_msi_package_column_count(noPackage, table, out count));
                Check.Status(Status.NullArgument, Native.olk_msi_package_column(noPackage, table, UIntPtr.Zero,
                    out text, out type, out flag));
                Check.Status(Status.NullArgument, Native.olk_msi_package_property(noPackage, table, out text));
                Check.Status(Status.NullArgument, Native.olk_msi_package_read_stream(noPackage, table, out data,
                    out count));
                Check.Status(Status.NullArgument, Native.olk_msi_package_export_table(noPackage, table, out data,
                    out count));
                Check.Status(Status.NullArgument, Native.olk_msi_package_summary_json(noPackage, out text));
                Check.Status(Status.NullArgument, Native.olk_msi_package_identity(noPackage, out identityOut));
                Check.Status(Status.NullArgument, Native.olk_msi_package_find_related_products(noPackage,
                    inventory.Handle, 1, IntPtr.Zero, out number, out text));
                Check.Status(Status.NullArgument, Native.olk_msi_package_find_related_products(package.Handle,
                    noInventory, 1, IntPtr.Zero, out number, out text));
                Check.True(Library.LastErrorMessage().Contains("`inventory`"), "names `inventory`");
                Check.Status(Status.NullArgument, Native.olk_msi_identity_get(noIdentity, 1, out text));
                Check.Status(Status.NullArgument, Native.olk_msi_query_marker_count(noQuery, out count));
                Check.Status(Status.NullArgument, Native.olk_msi_query_execute(noQuery, package.Handle, noRecord,
                    out viewOut));
                Check.Status(Status.NullArgument, Native.olk_msi_query_execute(query.Handle, noPackage, noRecord,
                    out viewOut));
                Check.True(Library.LastErrorMessage().Contains("`package`"), "names `package`");
                Check.Status(Status.NullArgument, Native.olk_msi_view_column_count(noView, out count));
                Check.Status(Status.NullArgument, Native.olk_msi_view_column(noView, one, out text, out type));
                Check.Status(Status.NullArgument, Native.olk_msi_view_row_count(noView, out count));
                Check.Status(Status.NullArgument, Native.olk_msi_view_fetch(noView, out recordOut));
                Check.Status(Status.NullArgument, Native.olk_msi_record_field_count(noRecord, out count));
                Check.Status(Status.NullArgument, Native.olk_msi_record_set_null(noRecord, one));
                Check.Status(Status.NullArgument, Native.olk_msi_record_set_int(noRecord, one, 1));
                Check.Status(Status.NullArgument, Native.olk_msi_record_set_string(noRecord, one, table));
                Check.Status(Status.NullArgument, Native.olk_msi_record_field_type(noRecord, one, out number));
                Check.Status(Status.NullArgument, Native.olk_msi_record_is_null(noRecord, one, out flag));
                Check.Status(Status.NullArgument, Native.olk_msi_record_get_int(noRecord, one, out value));
                Check.Status(Status.NullArgument, Native.olk_msi_record_get_string(noRecord, one, out text));
                Check.Status(Status.NullArgument, Native.olk_msi_record_stream_name(noRecord, one, out text));
                Check.Status(Status.NullArgument, Native.olk_msi_record_read_stream(noRecord, one, out data, out count));
                Check.True(Library.LastErrorMessage().Contains("argument `record` is NULL"), "names `record`");
                Check.Status(Status.NullArgument, Native.olk_msi_inventory_products_json(noInventory, IntPtr.Zero,
                    out text));
                Check.Status(Status.NullArgument, Native.olk_msi_inventory_product_info(noInventory, table,
                    IntPtr.Zero, 4, table, out text));

                // NULL strings and buffers.
                Check.Status(Status.NullArgument, Native.olk_msi_package_open(IntPtr.Zero, out packageOut));
                Check.True(Library.LastErrorMessage().Contains("`path`"), "names `path`");
                Check.Status(Status.NullArgument, Native.olk_msi_package_open_bytes(null, (UIntPtr)3, out packageOut));
                Check.True(Library.LastErrorMessage().Contains("`data`"), "names `data`");
                Check.Status(Status.NullArgument, Native.olk_msi_package_column_count(package.Handle, IntPtr.Zero,
                    out count));
                Check.True(Library.LastErrorMessage().Contains("`table`"), "names `table`");
                Check.Status(Status.NullArgument, Native.olk_msi_package_property(package.Handle, IntPtr.Zero,
                    out text));
                Check.Status(Status.NullArgument, Native.olk_msi_package_export_table(package.Handle, IntPtr.Zero,
                    out data, out count));
                Check.Status(Status.NullArgument, Native.olk_msi_query_prepare(IntPtr.Zero, out queryOut));
                Check.True(Library.LastErrorMessage().Contains("`sql`"), "names `sql`");
                Check.Status(Status.NullArgument, Native.olk_msi_record_set_string(record.Handle, one, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`value`"), "names `value`");
                Check.Status(Status.NullArgument, Native.olk_msi_inventory_parse(null, (UIntPtr)3, out inventoryOut));
                Check.Status(Status.NullArgument, Native.olk_msi_inventory_product_info(inventory.Handle, IntPtr.Zero,
                    IntPtr.Zero, 4, table, out text));
                Check.True(Library.LastErrorMessage().Contains("`product_code`"), "names `product_code`");

                // NULL outputs.
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_package_open(table, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`out`"), "names `out`");
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_package_table_count(package.Handle, IntPtr.Zero));
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_package_column(package.Handle, table,
                    UIntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`name`"), "names `name`");
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_package_read_stream(package.Handle, table,
                    IntPtr.Zero, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`data`"), "names `data`");
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_query_execute(query.Handle, package.Handle,
                    noRecord, IntPtr.Zero));
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_view_fetch(view.Handle, IntPtr.Zero));
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_record_get_int(record.Handle, one, IntPtr.Zero));
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_identity_get(identity.Handle, 1, IntPtr.Zero));
                Check.Status(Status.NullArgument, MsiNullNative.olk_msi_package_find_related_products(package.Handle,
                    inventory.Handle, 1, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero));
                Check.True(Library.LastErrorMessage().Contains("`verdict`"), "names `verdict`");

                // Nothing changed.
                Check.Equal(1, view.RowCount);
                Check.Equal("Blob", record.GetString(1));
            }
            finally
            {
                Marshal.FreeHGlobal(table);
            }
        }
    }

    static void TestInvalidUtf8()
    {
        using (MsiPackage package = OpenFixture())
        using (MsiInventory inventory = InventoryFixture())
        using (MsiRecord record = MsiRecord.Create(1))
        {
            IntPtr bad = RawBytes(0x61, 0x62, 0xFF);
            IntPtr state = Utf8.Alloc("State");
            IntPtr code = Utf8.Alloc(SampleMachine);
            try
            {
                UIntPtr count;
                IntPtr text, type, data;
                byte flag;
                uint verdict;
                MsiPackageHandle packageOut;
                MsiQueryHandle queryOut;
                Check.Status(Status.InvalidUtf8, Native.olk_msi_package_open(bad, out packageOut));
                Check.True(Library.LastErrorMessage().Contains(
                    "argument `path` is not valid UTF-8: invalid byte at offset 2"), "names `path` and the offset");
                Check.Status(Status.InvalidUtf8, Native.olk_msi_package_column_count(package.Handle, bad, out count));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_package_column(package.Handle, bad, UIntPtr.Zero,
                    out text, out type, out flag));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_package_property(package.Handle, bad, out text));
                Check.True(Library.LastErrorMessage().Contains("`name`"), "names `name`");
                Check.Status(Status.InvalidUtf8, Native.olk_msi_package_read_stream(package.Handle, bad, out data,
                    out count));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_package_export_table(package.Handle, bad, out data,
                    out count));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_query_prepare(bad, out queryOut));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_record_set_string(record.Handle, (UIntPtr)1, bad));
                Check.True(Library.LastErrorMessage().Contains("`value`"), "names `value`");
                Check.Status(Status.InvalidUtf8, Native.olk_msi_inventory_products_json(inventory.Handle, bad, out text));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_inventory_product_info(inventory.Handle, bad,
                    IntPtr.Zero, 4, state, out text));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_inventory_product_info(inventory.Handle, code,
                    bad, 2, state, out text));
                Check.True(Library.LastErrorMessage().Contains("`user_sid`"), "names `user_sid`");
                Check.Status(Status.InvalidUtf8, Native.olk_msi_inventory_product_info(inventory.Handle, code,
                    IntPtr.Zero, 4, bad, out text));
                Check.Status(Status.InvalidUtf8, Native.olk_msi_package_find_related_products(package.Handle,
                    inventory.Handle, 3, bad, out verdict, out text));
                Check.True(packageOut.IsInvalid && queryOut.IsInvalid, "no handle on failure");
                Check.True(record.IsNull(1), "the record is unchanged");
            }
            finally
            {
                Marshal.FreeHGlobal(bad);
                Marshal.FreeHGlobal(state);
                Marshal.FreeHGlobal(code);
            }
            Check.Throws(Status.EmbeddedNul, "NUL", () => package.Property("Product\0Code"));
        }
    }

    static void TestDispose()
    {
        MsiPackage package = OpenFixture();
        Check.Disposes(package, () => package.SummaryJson());
    }

    static int Main()
    {
        return Check.Run(TestStatusAndEnums, TestOpenTablesAndColumns, TestOpenErrorsAndCorruption,
            TestExportPropertiesStreams, TestSummaryAndIdentity, TestQueriesAndRecords, TestSqlErrors,
            TestInventoryAndUpgrades, TestNullArguments, TestInvalidUtf8, TestDispose);
    }
}

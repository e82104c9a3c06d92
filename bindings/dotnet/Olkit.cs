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
// - OlkitHandle: the SafeHandle base of every handle type; OlkitObject<THandle>:
//   the base of every wrapper class (Handle, Dispose, Get for one output).
// - Library: the managed wrappers of the core functions.
// - RegFile (with RegFormat, RegEncoding, RegType, RegKey, RegEntry,
//   RegValue, RegWarning): a .reg file, over olk_reg_file.
// - MsiPackage, MsiQuery, MsiView, MsiRecord, MsiIdentity, MsiInventory
//   (with MsiKind, MsiFieldType, MsiIdentityField, MsiScope, MsiVerdict,
//   MsiContext, MsiColumn, MsiRelated): Windows Installer packages, over
//   olk_msi_*.
// - ManifestPolicy, Manifest, ManifestInstalled, ManifestPlan, ManifestCheck
//   (with ManifestEnvironment, ManifestVerdict and the Manifest* enums):
//   update manifests, plans, package checks and bundles, over olk_manifest_*.
// - Updates (with UpdatesRequest, UpdatesCheck and UpdatesRequestNative):
//   the update check in one call (manifest, signature, keys, installed
//   products and machine to a ManifestPlan and the updater's list as JSON),
//   over olk_updates_check; ManifestPlan.CheckPackage checks a download in
//   chunks from the plan alone (olk_updates_package_check_new).
// - Db (with DbOptions, DbStatus, DbOutcome, DbCheckReport, DbPhase, DbState,
//   DbOutcomeKind, and Progress/ProgressHandler for olk_progress_cb): the KOC
//   cache database's status, upgrade with progress and cancel, and check,
//   over olk_db_*.
// - ProfileSet, Profiles, ProfileConversion (with ProfileOptions,
//   ProfileServerQuery, ProfileProbe, ProfileCounts): Outlook profiles of a
//   .reg export or .prf file, and their KOC to KOFF conversion with a
//   server probe, over olk_profile_*.
//
// Adding a handle type (RegFileHandle and RegFile below are the complete
// version of this outline):
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
//     // a public wrapper class (OlkitObject gives it Handle and Dispose):
//     public sealed class RegFile : OlkitObject<RegFileHandle>
//     {
//         private RegFile(RegFileHandle handle) : base(handle) { }
//         public static RegFile Parse(string text)
//         {
//             RegFileHandle handle;
//             using (var t = new Utf8Arg(text))
//             {
//                 Library.Check(Native.olk_reg_file_parse(t.Pointer, out handle));
//             }
//             return new RegFile(handle);
//         }
//         public uint Format { get { return Get<uint>(Native.olk_reg_file_format); } }
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
        public const int RegBadHeader = 1000;
        public const int RegSyntax = 1001;
        public const int RegEncoding = 1002;
        public const int RegTooLarge = 1003;
        public const int RegNotFound = 1004;
        public const int RegValueExists = 1005;
        public const int RegInvalidKeyPath = 1006;
        public const int RegInvalidValueName = 1007;
        public const int RegUnencodable = 1008;
        public const int RegTypeMismatch = 1009;
        public const int RegBadData = 1010;
        public const int ManifestFormat = 2000;
        public const int ManifestInvalidVersion = 2001;
        public const int ManifestKey = 2002;
        public const int ManifestUnsigned = 2003;
        public const int ManifestBadSignature = 2004;
        public const int ManifestExpired = 2005;
        public const int ManifestRollback = 2006;
        public const int ManifestNoDigest = 2007;
        public const int ManifestPackageTooLarge = 2008;
        public const int ManifestPackageTruncated = 2009;
        public const int ManifestPackageMismatch = 2010;
        public const int ManifestBundleCorrupt = 2011;
        public const int ManifestBundleLimit = 2012;
        public const int ManifestBundleUnsafe = 2013;
        public const int ManifestDestinationExists = 2014;
        public const int MsiContainer = 3000;
        public const int MsiNotAPackage = 3001;
        public const int MsiCorrupt = 3002;
        public const int MsiUnsupportedCodepage = 3003;
        public const int MsiNoSuchTable = 3004;
        public const int MsiNoSuchStream = 3005;
        public const int MsiTooLarge = 3006;
        public const int MsiSqlSyntax = 3007;
        public const int MsiSqlInvalid = 3008;
        public const int MsiMarkerCount = 3009;
        public const int MsiNoMoreRows = 3010;
        public const int MsiTypeMismatch = 3011;
        public const int MsiInvalidValue = 3012;
        public const int MsiUnknownProduct = 3013;
        public const int MsiUnknownProperty = 3014;
        public const int ProfileSyntax = 4000;
        public const int ProfileRules = 4001;
        public const int ProfileTooLarge = 4002;
        public const int ProfileFailed = 4003;
        public const int DbNotOurs = 5000;
        public const int DbNewer = 5001;
        public const int DbBusy = 5002;
        public const int DbSqlite = 5003;
        public const int DbFailed = 5004;
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

        // olk_reg_file (olkit-regfile). Input buffers are byte[] and IntPtr[]
        // (pinned for the call; null passes NULL); `file` parameters are
        // RegFileHandle, which the marshaller keeps alive during the call.

        /// <summary>OLK_REG_PARSE_LENIENT, the flag of olk_reg_file_parse/open.</summary>
        public const uint RegParseLenient = 1;

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_parse([In] byte[] data, UIntPtr len, uint flags, ulong maxBytes,
            out RegFileHandle file);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_open(IntPtr path, uint flags, ulong maxBytes, out RegFileHandle file);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_new(uint format, out RegFileHandle file);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_reg_file_free(IntPtr file);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_format(RegFileHandle file, out uint format);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_encoding(RegFileHandle file, out uint encoding);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_warning_count(RegFileHandle file, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_warning(RegFileHandle file, UIntPtr index, out UIntPtr line,
            out UIntPtr column, out IntPtr message);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_key_count(RegFileHandle file, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_key(RegFileHandle file, UIntPtr keyIndex, out IntPtr path,
            out byte isDeletion, out UIntPtr line);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_entry_count(RegFileHandle file, UIntPtr keyIndex, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_entry(RegFileHandle file, UIntPtr keyIndex, UIntPtr entryIndex,
            out IntPtr name, out uint type, out byte isDeletion, out IntPtr data, out UIntPtr dataLen,
            out UIntPtr line);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_get_value(RegFileHandle file, IntPtr key, IntPtr name, out uint type,
            out IntPtr data, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_get_string(RegFileHandle file, IntPtr key, IntPtr name,
            out IntPtr text);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_get_multi_string(RegFileHandle file, IntPtr key, IntPtr name,
            out IntPtr data, out UIntPtr len, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_get_u32(RegFileHandle file, IntPtr key, IntPtr name, out uint number);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_get_u64(RegFileHandle file, IntPtr key, IntPtr name,
            out ulong number);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_set_string(RegFileHandle file, IntPtr key, IntPtr name, IntPtr text);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_set_expand_string(RegFileHandle file, IntPtr key, IntPtr name,
            IntPtr text);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_set_multi_string(RegFileHandle file, IntPtr key, IntPtr name,
            [In] IntPtr[] items, UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_set_u32(RegFileHandle file, IntPtr key, IntPtr name, uint number);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_set_u64(RegFileHandle file, IntPtr key, IntPtr name, ulong number);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_set_value(RegFileHandle file, IntPtr key, IntPtr name, uint type,
            [In] byte[] data, UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_rename_value(RegFileHandle file, IntPtr key, IntPtr from, IntPtr to);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_delete_value(RegFileHandle file, IntPtr key, IntPtr name,
            out byte removed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_add_key(RegFileHandle file, IntPtr path, out byte added);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_delete_key(RegFileHandle file, IntPtr path, out byte removed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_to_bytes(RegFileHandle file, out IntPtr data, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_to_canonical_bytes(RegFileHandle file, out IntPtr data,
            out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_reg_file_save(RegFileHandle file, IntPtr path);

        // olk_msi_* (olkit-msi-query). Handles are the Msi*Handle classes;
        // an optional handle (the `params` of olk_msi_query_execute) is
        // passed as NULL with a new, invalid handle object. Enum arguments
        // are uint; record fields and view columns are numbered from 1.

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_open(IntPtr path, out MsiPackageHandle package);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_open_bytes([In] byte[] data, UIntPtr len,
            out MsiPackageHandle package);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_msi_package_free(IntPtr package);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_kind(MsiPackageHandle package, out uint kind);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_codepage(MsiPackageHandle package, out uint codepage);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_table_count(MsiPackageHandle package, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_table_name(MsiPackageHandle package, UIntPtr index,
            out IntPtr name);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_column_count(MsiPackageHandle package, IntPtr table,
            out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_column(MsiPackageHandle package, IntPtr table, UIntPtr index,
            out IntPtr name, out IntPtr type, out byte isKey);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_property(MsiPackageHandle package, IntPtr name, out IntPtr value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_read_stream(MsiPackageHandle package, IntPtr name,
            out IntPtr data, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_export_table(MsiPackageHandle package, IntPtr table,
            out IntPtr data, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_summary_json(MsiPackageHandle package, out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_identity(MsiPackageHandle package,
            out MsiIdentityHandle identity);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_package_find_related_products(MsiPackageHandle package,
            MsiInventoryHandle inventory, uint scope, IntPtr userSid, out uint verdict, out IntPtr report);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_msi_identity_free(IntPtr identity);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_identity_get(MsiIdentityHandle identity, uint field, out IntPtr value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_query_prepare(IntPtr sql, out MsiQueryHandle query);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_msi_query_free(IntPtr query);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_query_marker_count(MsiQueryHandle query, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_query_execute(MsiQueryHandle query, MsiPackageHandle package,
            MsiRecordHandle parameters, out MsiViewHandle view);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_msi_view_free(IntPtr view);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_view_column_count(MsiViewHandle view, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_view_column(MsiViewHandle view, UIntPtr field, out IntPtr name,
            out IntPtr type);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_view_row_count(MsiViewHandle view, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_view_fetch(MsiViewHandle view, out MsiRecordHandle record);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_new(UIntPtr fieldCount, out MsiRecordHandle record);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_msi_record_free(IntPtr record);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_field_count(MsiRecordHandle record, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_set_null(MsiRecordHandle record, UIntPtr field);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_set_int(MsiRecordHandle record, UIntPtr field, int value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_set_string(MsiRecordHandle record, UIntPtr field, IntPtr value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_field_type(MsiRecordHandle record, UIntPtr field, out uint type);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_is_null(MsiRecordHandle record, UIntPtr field, out byte isNull);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_get_int(MsiRecordHandle record, UIntPtr field, out int value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_get_string(MsiRecordHandle record, UIntPtr field, out IntPtr value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_stream_name(MsiRecordHandle record, UIntPtr field, out IntPtr name);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_record_read_stream(MsiRecordHandle record, UIntPtr field, out IntPtr data,
            out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_inventory_parse([In] byte[] data, UIntPtr len,
            out MsiInventoryHandle inventory);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_msi_inventory_free(IntPtr inventory);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_inventory_products_json(MsiInventoryHandle inventory, IntPtr upgradeCode,
            out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_msi_inventory_product_info(MsiInventoryHandle inventory, IntPtr productCode,
            IntPtr userSid, uint context, IntPtr property, out IntPtr value);

        // olk_manifest_* (olkit-manifest). Handles are the Manifest*Handle
        // classes; the optional `installed` of olk_manifest_plan_new is
        // passed as NULL with a new, invalid handle object. The environment
        // is a ManifestEnvironmentNative whose strings are Utf8.Alloc copies.
        // Products and plan items are numbered from 0.

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_policy_new(out ManifestPolicyHandle policy);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_manifest_policy_free(IntPtr policy);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_policy_add_key(ManifestPolicyHandle policy, IntPtr key);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_policy_set_signature(ManifestPolicyHandle policy, uint signature);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_policy_set_last_serial(ManifestPolicyHandle policy, byte hasSerial,
            ulong serial);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_policy_set_now(ManifestPolicyHandle policy, long unixSeconds);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_verify([In] byte[] data, UIntPtr len, [In] byte[] signature,
            UIntPtr signatureLen, ManifestPolicyHandle policy, out ManifestHandle manifest);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_manifest_free(IntPtr manifest);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_serial_to_store(ManifestHandle manifest, out byte hasValue,
            out ulong value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_key_id(ManifestHandle manifest, out IntPtr keyId);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_warning_count(ManifestHandle manifest, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_warning(ManifestHandle manifest, UIntPtr index, out IntPtr text);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_product_count(ManifestHandle manifest, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_product_get(ManifestHandle manifest, UIntPtr index, uint field,
            out IntPtr text);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_product_number(ManifestHandle manifest, UIntPtr index, uint field,
            out byte hasValue, out ulong value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_product_json(ManifestHandle manifest, UIntPtr index, out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_installed_new(out ManifestInstalledHandle installed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_manifest_installed_free(IntPtr installed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_installed_add(ManifestInstalledHandle installed, IntPtr productCode,
            IntPtr upgradeCode, IntPtr version, IntPtr name);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_new(ManifestHandle manifest,
            ref ManifestEnvironmentNative environment, ManifestInstalledHandle installed, out ManifestPlanHandle plan);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_manifest_plan_free(IntPtr plan);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_item_count(ManifestPlanHandle plan, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_apply_count(ManifestPlanHandle plan, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_apply_index(ManifestPlanHandle plan, UIntPtr position,
            out UIntPtr index);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_item_action(ManifestPlanHandle plan, UIntPtr index, out uint action);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_item_reason_count(ManifestPlanHandle plan, UIntPtr index,
            out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_item_reason(ManifestPlanHandle plan, UIntPtr index, UIntPtr reason,
            out IntPtr text);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_item_installed(ManifestPlanHandle plan, UIntPtr index,
            out IntPtr version);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_item_cache_upgrade(ManifestPlanHandle plan, UIntPtr index,
            out byte hasValue, out uint value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_plan_json(ManifestPlanHandle plan, out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_verify_package(ManifestHandle manifest, UIntPtr index, IntPtr path,
            out uint strength, out ulong bytes);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_check_new(ManifestHandle manifest, UIntPtr index,
            out ManifestCheckHandle check);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_manifest_check_free(IntPtr check);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_check_update(ManifestCheckHandle check, [In] byte[] data, UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_check_finish(ManifestCheckHandle check, out uint strength,
            out ulong bytes);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_manifest_extract_bundle(IntPtr zip, IntPtr dest, out IntPtr report);

        // olk_updates_* (the update check). The request is always passed
        // (its buffers and strings in unmanaged memory for the call); the
        // plan is an olk_manifest_plan, the check an olk_manifest_check.

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_updates_check(ref UpdatesRequestNative request, out ManifestPlanHandle plan,
            out IntPtr reportJson, out ulong serialToStore);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_updates_package_check_new(ManifestPlanHandle plan, UIntPtr item,
            out ManifestCheckHandle check);

        // olk_db_* (olkit-dbmigrate) and olk_progress_cb. The options are
        // always passed (DbOptionsNative with every field 0 is the default);
        // the callback may be null, and must stay alive during the call
        // (GC.KeepAlive after it).

        /// <summary>olk_progress_cb: progress points to an olk_progress
        /// (ProgressNative); return non-zero to cancel. It must not throw
        /// into olkit.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate int ProgressCallback(IntPtr userdata, IntPtr progress);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_db_status(IntPtr path, ref DbOptionsNative options,
            ref DbStatusInfoNative info);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_db_status_json(IntPtr path, ref DbOptionsNative options, out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_db_migrate(IntPtr path, ref DbOptionsNative options, ProgressCallback progress,
            IntPtr userdata, ref DbOutcomeNative outcome, out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_db_check(IntPtr path, byte full, out IntPtr json, out byte ok);

        // olk_profile_* (olkit-profile-convert) and olk_profile_probe_cb.
        // The options are always passed (ProfileOptionsNative with every
        // field 0 is the default); the probe may be null, and must stay
        // alive during the call (GC.KeepAlive after it).

        /// <summary>olk_profile_probe_cb: query points to an
        /// olk_profile_server_query (ProfileServerQueryNative); return 1
        /// after writing the server's version, NUL-terminated UTF-8, into
        /// versionBuf (versionLen bytes), 0 for unreachable, anything else
        /// to cancel. It must not throw into olkit.</summary>
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate int ProfileProbeCallback(IntPtr userdata, IntPtr query, IntPtr versionBuf,
            UIntPtr versionLen);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_set_parse([In] byte[] data, UIntPtr len, out ProfileSetHandle set);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_profile_set_free(IntPtr set);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_set_count(ProfileSetHandle set, out UIntPtr profiles);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_set_list_json(ProfileSetHandle set, out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_plan([In] byte[] data, UIntPtr len, ref ProfileOptionsNative options,
            ProfileProbeCallback probe, IntPtr userdata, out IntPtr planJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_convert([In] byte[] data, UIntPtr len, ref ProfileOptionsNative options,
            ProfileProbeCallback probe, IntPtr userdata, out ProfileConversionHandle conversion);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void olk_profile_conversion_free(IntPtr conversion);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_conversion_converted(ProfileConversionHandle conversion,
            out IntPtr data, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_conversion_undo(ProfileConversionHandle conversion,
            out IntPtr data, out UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_conversion_report_json(ProfileConversionHandle conversion,
            out IntPtr json);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_conversion_report_text(ProfileConversionHandle conversion,
            out IntPtr text);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int olk_profile_conversion_counts(ProfileConversionHandle conversion,
            out UIntPtr converted, out UIntPtr blocked, out UIntPtr already);
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

    /// <summary>Base of the wrapper classes (RegFile, MsiPackage...): owns
    /// one handle, closed by Dispose, after which calls throw
    /// ObjectDisposedException.</summary>
    public abstract class OlkitObject<THandle> : IDisposable where THandle : OlkitHandle
    {
        /// <summary>The owned handle, what the Native functions take.</summary>
        protected readonly THandle handle;

        protected OlkitObject(THandle handle)
        {
            this.handle = handle;
        }

        /// <summary>The underlying handle, for calls through Native.</summary>
        public THandle Handle
        {
            get { return handle; }
        }

        public void Dispose()
        {
            handle.Dispose();
        }

        /// <summary>A Native function of the handle alone with one output.</summary>
        protected delegate int Getter<T>(THandle handle, out T value);

        /// <summary>Calls f on the handle and returns its output (throws
        /// OlkitException on failure, as Library.Check).</summary>
        protected T Get<T>(Getter<T> f)
        {
            T value;
            Library.Check(f(handle, out value));
            return value;
        }
    }

    /// <summary>An olk_reg_file handle (released with olk_reg_file_free).</summary>
    public sealed class RegFileHandle : OlkitHandle
    {
        /// <summary>An invalid (NULL) handle; the marshaller fills in real ones.</summary>
        public RegFileHandle()
        {
        }

        protected override bool ReleaseHandle()
        {
            Native.olk_reg_file_free(handle);
            return true;
        }
    }

    /// <summary>An olk_msi_package handle (released with olk_msi_package_free).</summary>
    public sealed class MsiPackageHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_msi_package_free(handle); return true; }
    }

    /// <summary>An olk_msi_query handle (released with olk_msi_query_free).</summary>
    public sealed class MsiQueryHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_msi_query_free(handle); return true; }
    }

    /// <summary>An olk_msi_view handle (released with olk_msi_view_free).</summary>
    public sealed class MsiViewHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_msi_view_free(handle); return true; }
    }

    /// <summary>An olk_msi_record handle (released with olk_msi_record_free).</summary>
    public sealed class MsiRecordHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_msi_record_free(handle); return true; }
    }

    /// <summary>An olk_msi_identity handle (released with olk_msi_identity_free).</summary>
    public sealed class MsiIdentityHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_msi_identity_free(handle); return true; }
    }

    /// <summary>An olk_msi_inventory handle (released with olk_msi_inventory_free).</summary>
    public sealed class MsiInventoryHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_msi_inventory_free(handle); return true; }
    }

    /// <summary>An olk_manifest_policy handle (released with olk_manifest_policy_free).</summary>
    public sealed class ManifestPolicyHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_manifest_policy_free(handle); return true; }
    }

    /// <summary>An olk_manifest handle (released with olk_manifest_free).</summary>
    public sealed class ManifestHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_manifest_free(handle); return true; }
    }

    /// <summary>An olk_manifest_installed handle (released with olk_manifest_installed_free).</summary>
    public sealed class ManifestInstalledHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_manifest_installed_free(handle); return true; }
    }

    /// <summary>An olk_manifest_plan handle (released with olk_manifest_plan_free).</summary>
    public sealed class ManifestPlanHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_manifest_plan_free(handle); return true; }
    }

    /// <summary>An olk_manifest_check handle (released with olk_manifest_check_free).</summary>
    public sealed class ManifestCheckHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_manifest_check_free(handle); return true; }
    }

    /// <summary>An olk_profile_set handle (released with olk_profile_set_free).</summary>
    public sealed class ProfileSetHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_profile_set_free(handle); return true; }
    }

    /// <summary>An olk_profile_conversion handle (released with olk_profile_conversion_free).</summary>
    public sealed class ProfileConversionHandle : OlkitHandle
    {
        protected override bool ReleaseHandle() { Native.olk_profile_conversion_free(handle); return true; }
    }

    /// <summary>olk_profile_server_query as the probe receives it (read it
    /// with Marshal.PtrToStructure; the strings are UTF-8, Server may be
    /// IntPtr.Zero).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ProfileServerQueryNative
    {
        public uint StructSize;
        public IntPtr User;
        public IntPtr Profile;
        public IntPtr Server;
        public uint Port;
        public int Ssl;
    }

    /// <summary>olk_profile_options: set StructSize to
    /// Marshal.SizeOf(typeof(ProfileOptionsNative)); Rules (RulesLen bytes)
    /// IntPtr.Zero: the built-in rules; Profiles: an array of ProfileCount
    /// UTF-8 strings; User UTF-8 or IntPtr.Zero.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ProfileOptionsNative
    {
        public uint StructSize;
        public IntPtr Rules;
        public UIntPtr RulesLen;
        public IntPtr Profiles;
        public UIntPtr ProfileCount;
        public byte DefaultOnly;
        public IntPtr User;
    }

    /// <summary>olk_manifest_environment as it crosses the ABI: set
    /// StructSize to Marshal.SizeOf(typeof(ManifestEnvironmentNative)); the
    /// strings are NUL-terminated UTF-8 (IntPtr.Zero: unknown).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ManifestEnvironmentNative
    {
        public uint StructSize;
        public IntPtr ServerVersion;
        public IntPtr OutlookVersion;
        public uint OutlookBitness;
        public IntPtr WindowsVersion;
        public uint Architecture;
        public IntPtr Channel;
        public IntPtr MachineId;
    }

    /// <summary>olk_updates_request: set StructSize to
    /// Marshal.SizeOf(typeof(UpdatesRequestNative)) (112 bytes on 64-bit);
    /// buffers are a pointer and a length in bytes (IntPtr.Zero with 0:
    /// none), PublicKeys an array of PublicKeyCount UTF-8 strings,
    /// EnvironmentJson UTF-8 or IntPtr.Zero; the flags are 0 or 1.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UpdatesRequestNative
    {
        public uint StructSize;
        public IntPtr Manifest;
        public UIntPtr ManifestLen;
        public IntPtr Signature;
        public UIntPtr SignatureLen;
        public IntPtr PublicKeys;
        public UIntPtr PublicKeyCount;
        public byte AllowUnsigned;
        public byte HasLastSerial;
        public ulong LastSerial;
        public IntPtr Inventory;
        public UIntPtr InventoryLen;
        public IntPtr EnvironmentJson;
        public byte HasNow;
        public long NowUnix;
    }

    /// <summary>olk_progress as the callback receives it (read it with
    /// Marshal.PtrToStructure; Item is UTF-8 or IntPtr.Zero).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ProgressNative
    {
        public uint StructSize;
        public uint Phase;
        public IntPtr Item;
        public ulong ItemsDone;
        public ulong ItemsTotal;
        public ulong BytesDone;
        public ulong BytesTotal;
    }

    /// <summary>olk_db_options: set StructSize to
    /// Marshal.SizeOf(typeof(DbOptionsNative)); ScheduledMarker is UTF-8
    /// (IntPtr.Zero: beside the database).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct DbOptionsNative
    {
        public uint StructSize;
        public IntPtr ScheduledMarker;
        public ulong SpaceMargin;
        public byte FullCheck;
    }

    /// <summary>olk_db_status_info: set StructSize to
    /// Marshal.SizeOf(typeof(DbStatusInfoNative)) before the call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct DbStatusInfoNative
    {
        public uint StructSize;
        public uint State;
        public uint Format;
        public uint CurrentFormat;
        public int ApplicationId;
        public ulong SizeBytes;
        public ulong SpaceNeededBytes;
        public byte Scheduled;
        public ulong ScheduledNeededBytes;
        public ulong ScheduledAvailableBytes;
        public uint Leftovers;
    }

    /// <summary>olk_db_outcome: set StructSize to
    /// Marshal.SizeOf(typeof(DbOutcomeNative)) before the call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct DbOutcomeNative
    {
        public uint StructSize;
        public uint Outcome;
        public uint FromFormat;
        public uint ToFormat;
        public ulong OldBytes;
        public ulong NewBytes;
        public ulong Rows;
        public ulong ElapsedMs;
        public ulong NeededBytes;
        public ulong AvailableBytes;
        public ulong SalvagedRows;
        public ulong UnreadableRows;
        public uint CancelledPhase;
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

        /// <summary>Splits a buffer of NUL-terminated UTF-8 strings (as
        /// olk_reg_file_get_multi_string returns it) into count strings.</summary>
        public static string[] SplitNulTerminated(byte[] bytes, int count)
        {
            var items = new string[count];
            int start = 0;
            for (int i = 0; i < count; i++)
            {
                int end = Array.IndexOf(bytes, (byte)0, start);
                if (end < 0)
                {
                    throw new OlkitException(Status.InvalidArgument, "string " + i + " has no NUL terminator");
                }
                items[i] = Encoding.UTF8.GetString(bytes, start, end - start);
                start = end + 1;
            }
            return items;
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

        /// <summary>Check for a call where the status absent means "not
        /// there" (Status.RegNotFound...): false for it, true for Status.Ok;
        /// throws for the rest.</summary>
        public static bool CheckFound(int status, int absent)
        {
            if (status == absent)
            {
                return false;
            }
            Check(status);
            return true;
        }
    }

    /// <summary>The two .reg file formats (olk_reg_format).</summary>
    public enum RegFormat : uint
    {
        /// <summary>REGEDIT4: text in the ANSI code page (Windows-1252).</summary>
        Regedit4 = 4,
        /// <summary>Windows Registry Editor Version 5.00: Unicode text.</summary>
        Regedit5 = 5,
    }

    /// <summary>The text encodings of .reg files (olk_reg_encoding).</summary>
    public enum RegEncoding : uint
    {
        Windows1252 = 1,
        /// <summary>UTF-16LE with a byte order mark, what regedit writes for version 5.</summary>
        Utf16Le = 2,
        Utf8 = 3,
        Utf8Bom = 4,
    }

    /// <summary>Registry value types (olk_reg_type), Windows's REG_* numbers.
    /// A .reg file may hold any 32-bit type: cast other numbers to RegType.</summary>
    public enum RegType : uint
    {
        None = 0,
        Sz = 1,
        ExpandSz = 2,
        Binary = 3,
        Dword = 4,
        DwordBigEndian = 5,
        Link = 6,
        MultiSz = 7,
        ResourceList = 8,
        FullResourceDescriptor = 9,
        ResourceRequirementsList = 10,
        Qword = 11,
    }

    /// <summary>What kind of Windows Installer file a package is (olk_msi_kind).</summary>
    public enum MsiKind : uint
    {
        /// <summary>An installation database (.msi).</summary>
        Database = 1,
        /// <summary>A merge module (.msm).</summary>
        MergeModule = 2,
        /// <summary>A transform (.mst).</summary>
        Transform = 3,
        /// <summary>A patch (.msp).</summary>
        Patch = 4,
    }

    /// <summary>The type of a record field (olk_msi_field_type).</summary>
    public enum MsiFieldType : uint
    {
        Null = 0,
        Int = 1,
        String = 2,
        Stream = 3,
    }

    /// <summary>The values of a product identity (olk_msi_identity_field).</summary>
    public enum MsiIdentityField : uint
    {
        ProductCode = 1,
        ProductVersion = 2,
        UpgradeCode = 3,
        ProductName = 4,
        Manufacturer = 5,
        /// <summary>A decimal LANGID.</summary>
        ProductLanguage = 6,
        /// <summary>Summary information property 9.</summary>
        PackageCode = 7,
        /// <summary>The platform of the Template: Intel, x64, Intel64, Arm, Arm64.</summary>
        Architecture = 8,
        /// <summary>The LANGIDs of the Template, joined by ",".</summary>
        Languages = 9,
        /// <summary>Summary property 14 as "major.minor".</summary>
        MinimumInstallerVersion = 10,
    }

    /// <summary>Which installed products FindRelatedProducts sees (olk_msi_scope).</summary>
    public enum MsiScope : uint
    {
        All = 1,
        /// <summary>Per-machine products, as a per-machine installation sees them.</summary>
        Machine = 2,
        /// <summary>Per-user products of one user (or any user without a SID).</summary>
        User = 3,
    }

    /// <summary>What installing a package amounts to (olk_msi_verdict).</summary>
    public enum MsiVerdict : uint
    {
        Install = 1,
        Upgrade = 2,
        Downgrade = 3,
        Maintenance = 4,
    }

    /// <summary>Installation contexts, Windows's MSIINSTALLCONTEXT_* numbers (olk_msi_context).</summary>
    public enum MsiContext : uint
    {
        UserManaged = 1,
        UserUnmanaged = 2,
        Machine = 4,
    }

    /// <summary>Whether a manifest must be signed (olk_manifest_signature_policy).</summary>
    public enum ManifestSignaturePolicy : uint
    {
        /// <summary>A valid signature by a pinned key is required (the default).</summary>
        Required = 1,
        /// <summary>Unsigned manifests are accepted with a warning.</summary>
        Optional = 2,
    }

    /// <summary>A processor architecture or bitness (olk_manifest_architecture).</summary>
    public enum ManifestArchitecture : uint
    {
        Unknown = 0,
        X86 = 1,
        X64 = 2,
    }

    /// <summary>The text fields of a product (olk_manifest_product_field).</summary>
    public enum ManifestProductField : uint
    {
        Name = 1,
        Version = 2,
        UpgradeCode = 3,
        ProductCode = 4,
        Url = 5,
        InfoUrl = 6,
        MsiUrl = 7,
        /// <summary>Lowercase hex.</summary>
        Sha256 = 8,
        /// <summary>Lowercase hex.</summary>
        Md5 = 9,
        ReleaseDate = 10,
        InstallParams = 11,
        Importance = 12,
        /// <summary>"stable" when the manifest names none.</summary>
        Channel = 13,
        /// <summary>"x86" or "x64".</summary>
        Architecture = 14,
        MinServerVersion = 15,
        MaxServerVersion = 16,
        MinWindowsVersion = 17,
        /// <summary>Joined by ",".</summary>
        OutlookVersions = 18,
    }

    /// <summary>The numeric fields of a product (olk_manifest_product_number_field).</summary>
    public enum ManifestProductNumberField : uint
    {
        Size = 1,
        /// <summary>1 or 0.</summary>
        Critical = 2,
        RolloutPercent = 3,
        RequiredCacheFormat = 4,
    }

    /// <summary>What to do with a package (olk_manifest_action).</summary>
    public enum ManifestAction : uint
    {
        Install = 1,
        Upgrade = 2,
        UpToDate = 3,
        NotApplicable = 4,
        Blocked = 5,
    }

    /// <summary>How strongly a package was verified (olk_manifest_digest).</summary>
    public enum ManifestDigest : uint
    {
        Sha256 = 1,
        /// <summary>Only MD5 was available: it detects accidents, not attackers.</summary>
        WeakMd5 = 2,
    }

    /// <summary>The phases of Db.Migrate (olk_db_phase): Progress.Phase and
    /// DbOutcome.CancelledPhase.</summary>
    public enum DbPhase : uint
    {
        /// <summary>Lock, leftovers, detection, free space.</summary>
        Preflight = 1,
        /// <summary>Rows copied (Progress.Item names the table).</summary>
        Copy = 2,
        Index = 3,
        Verify = 4,
        Sync = 5,
        /// <summary>The rename over the old database: too late to cancel.</summary>
        Swap = 6,
        /// <summary>The fallback: an empty database with what could be salvaged.</summary>
        Rebuild = 7,
    }

    /// <summary>What a database file is (olk_db_state).</summary>
    public enum DbState : uint
    {
        UpToDate = 1,
        NeedsUpgrade = 2,
        /// <summary>A format newer than this olkit knows: leave it alone.</summary>
        Newer = 3,
        /// <summary>Older than any format olkit upgrades: only a rebuild.</summary>
        TooOld = 4,
        /// <summary>Another application's database: never touched.</summary>
        NotOurs = 5,
        /// <summary>Not readable as a database; Db.GetStatusJson says why.</summary>
        Unreadable = 6,
    }

    /// <summary>How Db.Migrate ended (olk_db_outcome_kind).</summary>
    public enum DbOutcomeKind : uint
    {
        UpToDate = 1,
        Upgraded = 2,
        /// <summary>Not enough free space; the upgrade is scheduled (the marker).</summary>
        InsufficientSpace = 3,
        /// <summary>Rebuilt empty with the salvaged pending changes; the old
        /// file kept aside; a full resynchronisation is needed.</summary>
        Rebuilt = 4,
        /// <summary>The callback cancelled; the database is as it was.</summary>
        Cancelled = 5,
    }

    /// <summary>What a progress callback wants.</summary>
    public enum ProgressControl
    {
        Continue,
        Cancel,
    }

    /// <summary>A line that lenient reading skipped.</summary>
    public sealed class RegWarning
    {
        internal RegWarning(int line, int column, string message)
        {
            Line = line;
            Column = column;
            Message = message;
        }

        /// <summary>1-based line.</summary>
        public int Line { get; private set; }
        /// <summary>1-based column, in characters.</summary>
        public int Column { get; private set; }
        /// <summary>The full English text ("line 4, column 1: ... (line skipped)").</summary>
        public string Message { get; private set; }
    }

    /// <summary>A key line of a .reg file: [PATH] or [-PATH].</summary>
    public sealed class RegKey
    {
        internal RegKey(int index, string path, bool isDeletion, int line)
        {
            Index = index;
            Path = path;
            IsDeletion = isDeletion;
            Line = line;
        }

        /// <summary>Its position among the key lines (for RegFile.Entries).</summary>
        public int Index { get; private set; }
        /// <summary>The key path as spelled in the file.</summary>
        public string Path { get; private set; }
        /// <summary>Whether this is a [-PATH] line, which deletes the key and its subkeys.</summary>
        public bool IsDeletion { get; private set; }
        /// <summary>1-based line number in the input; 0 for a key an edit added.</summary>
        public int Line { get; private set; }
    }

    /// <summary>A value's type and raw data (the bytes the registry would hold).</summary>
    public sealed class RegValue
    {
        internal RegValue(RegType type, byte[] data)
        {
            Type = type;
            Data = data;
        }

        public RegType Type { get; private set; }
        public byte[] Data { get; private set; }
    }

    /// <summary>An entry under a key line: "name"=data or "name"=- (a deletion).</summary>
    public sealed class RegEntry
    {
        internal RegEntry(string name, RegType type, bool isDeletion, byte[] data, int line)
        {
            Name = name;
            Type = type;
            IsDeletion = isDeletion;
            Data = data;
            Line = line;
        }

        /// <summary>The value name, "" for the default value (@).</summary>
        public string Name { get; private set; }
        /// <summary>The value type; RegType.None for a deletion.</summary>
        public RegType Type { get; private set; }
        public bool IsDeletion { get; private set; }
        /// <summary>The raw data; empty for a deletion.</summary>
        public byte[] Data { get; private set; }
        /// <summary>1-based line number in the input; 0 for a line an edit wrote.</summary>
        public int Line { get; private set; }
    }

    /// <summary>A .reg file (REGEDIT4 or version 5) parsed losslessly: ToBytes
    /// gives the input back byte for byte, and edits change only the lines
    /// they concern. Lookups compare key and value names case-insensitively
    /// and follow import order; the value name "" is the default value (@).
    /// Failures throw OlkitException with an Olkit.Status code (RegSyntax,
    /// RegNotFound...). Reading members may run on several threads at once;
    /// an edit must not run concurrently with any other call.</summary>
    public sealed class RegFile : OlkitObject<RegFileHandle>
    {
        private RegFile(RegFileHandle handle) : base(handle)
        {
        }

        /// <summary>Parses a .reg file from its bytes (any encoding regedit
        /// reads). Lenient reading skips bad lines and reports them as
        /// Warnings; maxBytes 0 is the default limit (512 MiB).</summary>
        public static RegFile Parse(byte[] data, bool lenient = false, ulong maxBytes = 0)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            RegFileHandle h;
            Library.Check(Native.olk_reg_file_parse(data, (UIntPtr)data.Length, Flags(lenient), maxBytes, out h));
            return new RegFile(h);
        }

        /// <summary>Reads and parses the .reg file at path.</summary>
        public static RegFile Open(string path, bool lenient = false, ulong maxBytes = 0)
        {
            RegFileHandle h;
            using (var p = new Utf8Arg(path))
            {
                Library.Check(Native.olk_reg_file_open(p.Pointer, Flags(lenient), maxBytes, out h));
            }
            return new RegFile(h);
        }

        /// <summary>An empty file with just the header line, in the encoding
        /// regedit writes the format in.</summary>
        public static RegFile Create(RegFormat format)
        {
            RegFileHandle h;
            Library.Check(Native.olk_reg_file_new((uint)format, out h));
            return new RegFile(h);
        }

        private static uint Flags(bool lenient)
        {
            return lenient ? Native.RegParseLenient : 0;
        }

        public RegFormat Format
        {
            get { return (RegFormat)Get<uint>(Native.olk_reg_file_format); }
        }

        public RegEncoding Encoding
        {
            get { return (RegEncoding)Get<uint>(Native.olk_reg_file_encoding); }
        }

        /// <summary>The lines lenient reading skipped, in file order.</summary>
        public RegWarning[] Warnings
        {
            get
            {
                var warnings = new RegWarning[Sizes.ToInt(Get<UIntPtr>(Native.olk_reg_file_warning_count))];
                for (int i = 0; i < warnings.Length; i++)
                {
                    UIntPtr line, column;
                    IntPtr message;
                    Library.Check(Native.olk_reg_file_warning(handle, (UIntPtr)i, out line, out column, out message));
                    warnings[i] = new RegWarning(Sizes.ToInt(line), Sizes.ToInt(column), Utf8.Take(message));
                }
                return warnings;
            }
        }

        /// <summary>Every key line in file order (a key may have several).</summary>
        public RegKey[] Keys
        {
            get
            {
                var keys = new RegKey[Sizes.ToInt(Get<UIntPtr>(Native.olk_reg_file_key_count))];
                for (int i = 0; i < keys.Length; i++)
                {
                    IntPtr path;
                    byte deletion;
                    UIntPtr line;
                    Library.Check(Native.olk_reg_file_key(handle, (UIntPtr)i, out path, out deletion, out line));
                    keys[i] = new RegKey(i, Utf8.Take(path), deletion != 0, Sizes.ToInt(line));
                }
                return keys;
            }
        }

        /// <summary>The entries under key line keyIndex (see Keys), in file order.</summary>
        public RegEntry[] Entries(int keyIndex)
        {
            UIntPtr key = Sizes.Of(keyIndex, "keyIndex");
            UIntPtr count;
            Library.Check(Native.olk_reg_file_entry_count(handle, key, out count));
            var entries = new RegEntry[Sizes.ToInt(count)];
            for (int i = 0; i < entries.Length; i++)
            {
                IntPtr name, data;
                uint type;
                byte deletion;
                UIntPtr len, line;
                Library.Check(Native.olk_reg_file_entry(handle, key, (UIntPtr)i, out name, out type, out deletion,
                    out data, out len, out line));
                string text = Utf8.Take(name);
                entries[i] = new RegEntry(text, (RegType)type, deletion != 0, Utf8.TakeBytes(data, len),
                    Sizes.ToInt(line));
            }
            return entries;
        }

        /// <summary>Value name of key as importing the file would leave it;
        /// null if it is not there.</summary>
        public RegValue GetValue(string key, string name)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                uint type;
                IntPtr data;
                UIntPtr len;
                if (!Library.CheckFound(Native.olk_reg_file_get_value(handle, k.Pointer, n.Pointer, out type, out data,
                    out len), Status.RegNotFound))
                {
                    return null;
                }
                return new RegValue((RegType)type, Utf8.TakeBytes(data, len));
            }
        }

        /// <summary>The text of a REG_SZ, REG_EXPAND_SZ or REG_LINK value;
        /// false if the value is not there (other failures throw).</summary>
        public bool TryGetString(string key, string name, out string value)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                IntPtr text;
                bool found = Library.CheckFound(Native.olk_reg_file_get_string(handle, k.Pointer, n.Pointer, out text),
                    Status.RegNotFound);
                value = found ? Utf8.Take(text) : null;
                return found;
            }
        }

        /// <summary>The text of a REG_SZ, REG_EXPAND_SZ or REG_LINK value
        /// (throws Status.RegNotFound if it is not there).</summary>
        public string GetString(string key, string name)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                IntPtr text;
                Library.Check(Native.olk_reg_file_get_string(handle, k.Pointer, n.Pointer, out text));
                return Utf8.Take(text);
            }
        }

        /// <summary>The strings of a REG_MULTI_SZ value.</summary>
        public string[] GetMultiString(string key, string name)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                IntPtr data;
                UIntPtr len, count;
                Library.Check(Native.olk_reg_file_get_multi_string(handle, k.Pointer, n.Pointer, out data, out len,
                    out count));
                return Utf8.SplitNulTerminated(Utf8.TakeBytes(data, len), Sizes.ToInt(count));
            }
        }

        /// <summary>The number of a REG_DWORD or REG_DWORD_BIG_ENDIAN value.</summary>
        public uint GetUInt32(string key, string name)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                uint number;
                Library.Check(Native.olk_reg_file_get_u32(handle, k.Pointer, n.Pointer, out number));
                return number;
            }
        }

        /// <summary>The number of a REG_QWORD value.</summary>
        public ulong GetUInt64(string key, string name)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                ulong number;
                Library.Check(Native.olk_reg_file_get_u64(handle, k.Pointer, n.Pointer, out number));
                return number;
            }
        }

        /// <summary>Sets a REG_SZ value: the line that assigns it last is
        /// rewritten, or a line or a [key] section is added.</summary>
        public void SetString(string key, string name, string text)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            using (var t = new Utf8Arg(text))
            {
                Library.Check(Native.olk_reg_file_set_string(handle, k.Pointer, n.Pointer, t.Pointer));
            }
        }

        /// <summary>Sets a REG_EXPAND_SZ value.</summary>
        public void SetExpandString(string key, string name, string text)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            using (var t = new Utf8Arg(text))
            {
                Library.Check(Native.olk_reg_file_set_expand_string(handle, k.Pointer, n.Pointer, t.Pointer));
            }
        }

        /// <summary>Sets a REG_MULTI_SZ value (no item may be null or empty).</summary>
        public void SetMultiString(string key, string name, string[] items)
        {
            if (items == null)
            {
                throw new ArgumentNullException("items");
            }
            var pointers = new IntPtr[items.Length];
            try
            {
                for (int i = 0; i < items.Length; i++)
                {
                    pointers[i] = Utf8.Alloc(items[i]);
                }
                using (var k = new Utf8Arg(key))
                using (var n = new Utf8Arg(name))
                {
                    Library.Check(Native.olk_reg_file_set_multi_string(handle, k.Pointer, n.Pointer, pointers,
                        (UIntPtr)pointers.Length));
                }
            }
            finally
            {
                foreach (IntPtr p in pointers)
                {
                    Marshal.FreeHGlobal(p);
                }
            }
        }

        /// <summary>Sets a REG_DWORD value.</summary>
        public void SetUInt32(string key, string name, uint number)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                Library.Check(Native.olk_reg_file_set_u32(handle, k.Pointer, n.Pointer, number));
            }
        }

        /// <summary>Sets a REG_QWORD value.</summary>
        public void SetUInt64(string key, string name, ulong number)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                Library.Check(Native.olk_reg_file_set_u64(handle, k.Pointer, n.Pointer, number));
            }
        }

        /// <summary>Sets a value of any type (cast other numbers to RegType) to raw data.</summary>
        public void SetValue(string key, string name, RegType type, byte[] data)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                Library.Check(Native.olk_reg_file_set_value(handle, k.Pointer, n.Pointer, (uint)type, data,
                    (UIntPtr)data.Length));
            }
        }

        /// <summary>Renames value from of key to to wherever the file assigns or deletes it.</summary>
        public void RenameValue(string key, string from, string to)
        {
            using (var k = new Utf8Arg(key))
            using (var f = new Utf8Arg(from))
            using (var t = new Utf8Arg(to))
            {
                Library.Check(Native.olk_reg_file_rename_value(handle, k.Pointer, f.Pointer, t.Pointer));
            }
        }

        /// <summary>Removes every line that assigns or deletes the value;
        /// whether there was any.</summary>
        public bool DeleteValue(string key, string name)
        {
            using (var k = new Utf8Arg(key))
            using (var n = new Utf8Arg(name))
            {
                byte removed;
                Library.Check(Native.olk_reg_file_delete_value(handle, k.Pointer, n.Pointer, out removed));
                return removed != 0;
            }
        }

        /// <summary>Adds an empty [path] section unless the key is there; whether it was added.</summary>
        public bool AddKey(string path)
        {
            using (var p = new Utf8Arg(path))
            {
                byte added;
                Library.Check(Native.olk_reg_file_add_key(handle, p.Pointer, out added));
                return added != 0;
            }
        }

        /// <summary>Removes the key lines of path and every key below it; whether there was any.</summary>
        public bool DeleteKey(string path)
        {
            using (var p = new Utf8Arg(path))
            {
                byte removed;
                Library.Check(Native.olk_reg_file_delete_key(handle, p.Pointer, out removed));
                return removed != 0;
            }
        }

        /// <summary>The file's bytes: the input unchanged where nothing was edited.</summary>
        public byte[] ToBytes()
        {
            IntPtr data;
            UIntPtr len;
            Library.Check(Native.olk_reg_file_to_bytes(handle, out data, out len));
            return Utf8.TakeBytes(data, len);
        }

        /// <summary>The whole file written the way regedit writes it.</summary>
        public byte[] ToCanonicalBytes()
        {
            IntPtr data;
            UIntPtr len;
            Library.Check(Native.olk_reg_file_to_canonical_bytes(handle, out data, out len));
            return Utf8.TakeBytes(data, len);
        }

        /// <summary>Writes ToBytes() to path atomically (a temporary file
        /// next to it, flushed, renamed over it).</summary>
        public void Save(string path)
        {
            using (var p = new Utf8Arg(path))
            {
                Library.Check(Native.olk_reg_file_save(handle, p.Pointer));
            }
        }

    }

    /// <summary>size_t conversions of the wrappers: field numbers, indexes and counts.</summary>
    internal static class Sizes
    {
        /// <summary>A non-negative int as size_t (a negative one throws).</summary>
        internal static UIntPtr Of(int n, string name)
        {
            if (n < 0)
            {
                throw new ArgumentOutOfRangeException(name);
            }
            return (UIntPtr)n;
        }

        internal static int ToInt(UIntPtr n)
        {
            return checked((int)n.ToUInt64());
        }
    }

    /// <summary>A column of a table or of a query's result.</summary>
    public sealed class MsiColumn
    {
        internal MsiColumn(string name, string type, bool isKey)
        {
            Name = name;
            Type = type;
            IsKey = isKey;
        }

        public string Name { get; private set; }
        /// <summary>The IDT type as msiinfo export writes it: s72, l0, i2, V0...</summary>
        public string Type { get; private set; }
        /// <summary>Whether it is a primary key column (always false for a result column).</summary>
        public bool IsKey { get; private set; }
    }

    /// <summary>What FindRelatedProducts makes of the installed products.</summary>
    public sealed class MsiRelated
    {
        internal MsiRelated(MsiVerdict verdict, string reportJson)
        {
            Verdict = verdict;
            ReportJson = reportJson;
        }

        public MsiVerdict Verdict { get; private set; }
        /// <summary>The detail as JSON (shape: olk_msi_package_find_related_products in olkit.h).</summary>
        public string ReportJson { get; private set; }
    }

    /// <summary>A record (olk_msi_record): numbered fields (from 1), each
    /// NULL, an integer, a string or (in fetched rows) a stream. Create one
    /// to bind the ? markers of a query; MsiView.Fetch returns rows.</summary>
    public sealed class MsiRecord : OlkitObject<MsiRecordHandle>
    {
        internal MsiRecord(MsiRecordHandle handle) : base(handle)
        {
        }

        /// <summary>A record of fieldCount fields, all NULL (at most 65535).</summary>
        public static MsiRecord Create(int fieldCount)
        {
            MsiRecordHandle h;
            Library.Check(Native.olk_msi_record_new(Sizes.Of(fieldCount, "fieldCount"), out h));
            return new MsiRecord(h);
        }

        public int FieldCount
        {
            get { return Sizes.ToInt(Get<UIntPtr>(Native.olk_msi_record_field_count)); }
        }

        public MsiFieldType FieldType(int field)
        {
            uint type;
            Library.Check(Native.olk_msi_record_field_type(handle, Sizes.Of(field, "field"), out type));
            return (MsiFieldType)type;
        }

        public bool IsNull(int field)
        {
            byte isNull;
            Library.Check(Native.olk_msi_record_is_null(handle, Sizes.Of(field, "field"), out isNull));
            return isNull != 0;
        }

        /// <summary>The integer of field (Status.MsiTypeMismatch for other types, NULL included).</summary>
        public int GetInt(int field)
        {
            int value;
            Library.Check(Native.olk_msi_record_get_int(handle, Sizes.Of(field, "field"), out value));
            return value;
        }

        /// <summary>The string of field; "" for NULL (Status.MsiTypeMismatch for integers and streams).</summary>
        public string GetString(int field)
        {
            IntPtr value;
            Library.Check(Native.olk_msi_record_get_string(handle, Sizes.Of(field, "field"), out value));
            return Utf8.Take(value);
        }

        /// <summary>The name of the stream in field (what MsiPackage.ReadStream reads it by).</summary>
        public string StreamName(int field)
        {
            IntPtr name;
            Library.Check(Native.olk_msi_record_stream_name(handle, Sizes.Of(field, "field"), out name));
            return Utf8.Take(name);
        }

        /// <summary>The bytes of the stream in field.</summary>
        public byte[] ReadStream(int field)
        {
            IntPtr data;
            UIntPtr len;
            Library.Check(Native.olk_msi_record_read_stream(handle, Sizes.Of(field, "field"), out data, out len));
            return Utf8.TakeBytes(data, len);
        }

        public void SetNull(int field)
        {
            Library.Check(Native.olk_msi_record_set_null(handle, Sizes.Of(field, "field")));
        }

        public void SetInt(int field, int value)
        {
            Library.Check(Native.olk_msi_record_set_int(handle, Sizes.Of(field, "field"), value));
        }

        /// <summary>Sets a string; "" makes the field NULL, as MsiRecordSetString does.</summary>
        public void SetString(int field, string value)
        {
            using (var v = new Utf8Arg(value))
            {
                Library.Check(Native.olk_msi_record_set_string(handle, Sizes.Of(field, "field"), v.Pointer));
            }
        }
    }

    /// <summary>The rows of a query run against a package (olk_msi_view).</summary>
    public sealed class MsiView : OlkitObject<MsiViewHandle>
    {
        internal MsiView(MsiViewHandle handle) : base(handle)
        {
        }

        /// <summary>The result columns (field i + 1 of each row is Columns[i]).</summary>
        public MsiColumn[] Columns
        {
            get
            {
                var columns = new MsiColumn[Sizes.ToInt(Get<UIntPtr>(Native.olk_msi_view_column_count))];
                for (int i = 0; i < columns.Length; i++)
                {
                    IntPtr name, type;
                    Library.Check(Native.olk_msi_view_column(handle, (UIntPtr)(i + 1), out name, out type));
                    string text = Utf8.Take(name);
                    columns[i] = new MsiColumn(text, Utf8.Take(type), false);
                }
                return columns;
            }
        }

        public int RowCount
        {
            get { return Sizes.ToInt(Get<UIntPtr>(Native.olk_msi_view_row_count)); }
        }

        /// <summary>The next row; null after the last (Status.MsiNoMoreRows).</summary>
        public MsiRecord Fetch()
        {
            MsiRecordHandle row;
            bool found = Library.CheckFound(Native.olk_msi_view_fetch(handle, out row), Status.MsiNoMoreRows);
            return found ? new MsiRecord(row) : null;
        }
    }

    /// <summary>A parsed Windows Installer SQL SELECT (olk_msi_query), runnable against any package.</summary>
    public sealed class MsiQuery : OlkitObject<MsiQueryHandle>
    {
        private MsiQuery(MsiQueryHandle handle) : base(handle)
        {
        }

        /// <summary>Parses sql (Status.MsiSqlSyntax, with the byte offset in the message).</summary>
        public static MsiQuery Prepare(string sql)
        {
            MsiQueryHandle h;
            using (var q = new Utf8Arg(sql))
            {
                Library.Check(Native.olk_msi_query_prepare(q.Pointer, out h));
            }
            return new MsiQuery(h);
        }

        /// <summary>The number of ? markers.</summary>
        public int MarkerCount
        {
            get { return Sizes.ToInt(Get<UIntPtr>(Native.olk_msi_query_marker_count)); }
        }

        /// <summary>Runs the query against package, its markers bound to
        /// fields 1, 2... of parameters (null: no parameters).</summary>
        public MsiView Execute(MsiPackage package, MsiRecord parameters = null)
        {
            if (package == null)
            {
                throw new ArgumentNullException("package");
            }
            // A new, invalid handle object passes NULL.
            MsiRecordHandle bound = parameters != null ? parameters.Handle : new MsiRecordHandle();
            MsiViewHandle view;
            Library.Check(Native.olk_msi_query_execute(handle, package.Handle, bound, out view));
            return new MsiView(view);
        }
    }

    /// <summary>The product identity of a package (olk_msi_identity).</summary>
    public sealed class MsiIdentity : OlkitObject<MsiIdentityHandle>
    {
        internal MsiIdentity(MsiIdentityHandle handle) : base(handle)
        {
        }

        /// <summary>One value as text; null when the package does not have it.</summary>
        public string Get(MsiIdentityField field)
        {
            IntPtr value;
            Library.Check(Native.olk_msi_identity_get(handle, (uint)field, out value));
            return Utf8.Take(value);
        }
    }

    /// <summary>The products a .reg export of the Windows Installer keys
    /// shows registered (olk_msi_inventory).</summary>
    public sealed class MsiInventory : OlkitObject<MsiInventoryHandle>
    {
        private MsiInventory(MsiInventoryHandle handle) : base(handle)
        {
        }

        /// <summary>Reads the registrations of a .reg export (the .reg reader's Reg* codes on failure).</summary>
        public static MsiInventory Parse(byte[] data)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            MsiInventoryHandle h;
            Library.Check(Native.olk_msi_inventory_parse(data, (UIntPtr)data.Length, out h));
            return new MsiInventory(h);
        }

        /// <summary>Every registered product, or with upgradeCode those
        /// registered under it, as JSON (shape: olk_msi_inventory_products_json).</summary>
        public string ProductsJson(string upgradeCode = null)
        {
            using (var u = new Utf8Arg(upgradeCode))
            {
                IntPtr json;
                Library.Check(Native.olk_msi_inventory_products_json(handle, u.Pointer, out json));
                return Utf8.Take(json);
            }
        }

        /// <summary>MsiGetProductInfoEx: one property of a registered product
        /// (userSid null: the export's current user).</summary>
        public string ProductInfo(string productCode, MsiContext context, string property, string userSid = null)
        {
            using (var c = new Utf8Arg(productCode))
            using (var u = new Utf8Arg(userSid))
            using (var p = new Utf8Arg(property))
            {
                IntPtr value;
                Library.Check(Native.olk_msi_inventory_product_info(handle, c.Pointer, u.Pointer, (uint)context,
                    p.Pointer, out value));
                return Utf8.Take(value);
            }
        }
    }

    /// <summary>An opened Windows Installer package (olk_msi_package):
    /// .msi, .msm, .mst, .msp. Failures throw OlkitException
    /// (Status.MsiContainer, Status.MsiNoSuchTable...). Views, records and
    /// identities keep what they need of the package alive.</summary>
    public sealed class MsiPackage : OlkitObject<MsiPackageHandle>
    {
        private MsiPackage(MsiPackageHandle handle) : base(handle)
        {
        }

        public static MsiPackage Open(string path)
        {
            MsiPackageHandle h;
            using (var p = new Utf8Arg(path))
            {
                Library.Check(Native.olk_msi_package_open(p.Pointer, out h));
            }
            return new MsiPackage(h);
        }

        public static MsiPackage OpenBytes(byte[] data)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            MsiPackageHandle h;
            Library.Check(Native.olk_msi_package_open_bytes(data, (UIntPtr)data.Length, out h));
            return new MsiPackage(h);
        }

        public MsiKind Kind
        {
            get { return (MsiKind)Get<uint>(Native.olk_msi_package_kind); }
        }

        public uint Codepage
        {
            get { return Get<uint>(Native.olk_msi_package_codepage); }
        }

        /// <summary>The stored tables in _Tables order.</summary>
        public string[] TableNames
        {
            get
            {
                var names = new string[Sizes.ToInt(Get<UIntPtr>(Native.olk_msi_package_table_count))];
                for (int i = 0; i < names.Length; i++)
                {
                    IntPtr name;
                    Library.Check(Native.olk_msi_package_table_name(handle, (UIntPtr)i, out name));
                    names[i] = Utf8.Take(name);
                }
                return names;
            }
        }

        /// <summary>The columns of a stored or virtual table, without reading its rows.</summary>
        public MsiColumn[] Columns(string table)
        {
            using (var t = new Utf8Arg(table))
            {
                UIntPtr count;
                Library.Check(Native.olk_msi_package_column_count(handle, t.Pointer, out count));
                var columns = new MsiColumn[Sizes.ToInt(count)];
                for (int i = 0; i < columns.Length; i++)
                {
                    IntPtr name, type;
                    byte isKey;
                    Library.Check(Native.olk_msi_package_column(handle, t.Pointer, (UIntPtr)i, out name, out type,
                        out isKey));
                    string text = Utf8.Take(name);
                    columns[i] = new MsiColumn(text, Utf8.Take(type), isKey != 0);
                }
                return columns;
            }
        }

        /// <summary>A property of the Property table; null if there is none of that name.</summary>
        public string Property(string name)
        {
            using (var n = new Utf8Arg(name))
            {
                IntPtr value;
                Library.Check(Native.olk_msi_package_property(handle, n.Pointer, out value));
                return Utf8.Take(value);
            }
        }

        /// <summary>A stream by its decoded name (Binary.Logo).</summary>
        public byte[] ReadStream(string name)
        {
            using (var n = new Utf8Arg(name))
            {
                IntPtr data;
                UIntPtr len;
                Library.Check(Native.olk_msi_package_read_stream(handle, n.Pointer, out data, out len));
                return Utf8.TakeBytes(data, len);
            }
        }

        /// <summary>A table as IDT text, byte for byte what msiinfo export writes.</summary>
        public byte[] ExportTable(string table)
        {
            using (var t = new Utf8Arg(table))
            {
                IntPtr data;
                UIntPtr len;
                Library.Check(Native.olk_msi_package_export_table(handle, t.Pointer, out data, out len));
                return Utf8.TakeBytes(data, len);
            }
        }

        /// <summary>The summary information as JSON: [{"id":2,"name":"Title","value":"..."}, ...].</summary>
        public string SummaryJson()
        {
            return Utf8.Take(Get<IntPtr>(Native.olk_msi_package_summary_json));
        }

        /// <summary>The product identity, read in one call.</summary>
        public MsiIdentity Identity()
        {
            return new MsiIdentity(Get<MsiIdentityHandle>(Native.olk_msi_package_identity));
        }

        /// <summary>FindRelatedProducts against the inventory's products that
        /// scope lets it see (with MsiScope.User, userSid picks one user).</summary>
        public MsiRelated FindRelatedProducts(MsiInventory inventory, MsiScope scope = MsiScope.All,
            string userSid = null)
        {
            if (inventory == null)
            {
                throw new ArgumentNullException("inventory");
            }
            using (var u = new Utf8Arg(userSid))
            {
                uint verdict;
                IntPtr report;
                Library.Check(Native.olk_msi_package_find_related_products(handle, inventory.Handle, (uint)scope,
                    u.Pointer, out verdict, out report));
                return new MsiRelated((MsiVerdict)verdict, Utf8.Take(report));
            }
        }
    }

    /// <summary>The trust decisions a manifest is verified under
    /// (olk_manifest_policy): pinned minisign public keys, whether a
    /// signature is required (by default it is), the last serial accepted,
    /// the time to check expiry against.</summary>
    public sealed class ManifestPolicy : OlkitObject<ManifestPolicyHandle>
    {
        private ManifestPolicy(ManifestPolicyHandle handle) : base(handle)
        {
        }

        public static ManifestPolicy Create()
        {
            ManifestPolicyHandle h;
            Library.Check(Native.olk_manifest_policy_new(out h));
            return new ManifestPolicy(h);
        }

        /// <summary>Pins a key: a .pub file's text or its base64 line (Status.ManifestKey if it is none).</summary>
        public ManifestPolicy AddKey(string key)
        {
            using (var k = new Utf8Arg(key))
            {
                Library.Check(Native.olk_manifest_policy_add_key(handle, k.Pointer));
            }
            return this;
        }

        public ManifestPolicy SetSignature(ManifestSignaturePolicy policy)
        {
            Library.Check(Native.olk_manifest_policy_set_signature(handle, (uint)policy));
            return this;
        }

        /// <summary>The serial last accepted; null forgets it.</summary>
        public ManifestPolicy SetLastSerial(ulong? serial)
        {
            Library.Check(Native.olk_manifest_policy_set_last_serial(handle, (byte)(serial.HasValue ? 1 : 0),
                serial.GetValueOrDefault()));
            return this;
        }

        /// <summary>The time to check expiry against, in Unix seconds; 0: the current time.</summary>
        public ManifestPolicy SetNow(long unixSeconds)
        {
            Library.Check(Native.olk_manifest_policy_set_now(handle, unixSeconds));
            return this;
        }
    }

    /// <summary>The installed products a plan is made against (olk_manifest_installed).</summary>
    public sealed class ManifestInstalled : OlkitObject<ManifestInstalledHandle>
    {
        private ManifestInstalled(ManifestInstalledHandle handle) : base(handle)
        {
        }

        public static ManifestInstalled Create()
        {
            ManifestInstalledHandle h;
            Library.Check(Native.olk_manifest_installed_new(out h));
            return new ManifestInstalled(h);
        }

        /// <summary>Adds a product (productCode and upgradeCode may be null).</summary>
        public ManifestInstalled Add(string productCode, string upgradeCode, string version, string name)
        {
            using (var p = new Utf8Arg(productCode))
            using (var u = new Utf8Arg(upgradeCode))
            using (var v = new Utf8Arg(version))
            using (var n = new Utf8Arg(name))
            {
                Library.Check(Native.olk_manifest_installed_add(handle, p.Pointer, u.Pointer, v.Pointer, n.Pointer));
            }
            return this;
        }
    }

    /// <summary>The machine a plan is for; null strings are unknown (Channel null: stable).</summary>
    public sealed class ManifestEnvironment
    {
        public string ServerVersion;
        public string OutlookVersion;
        public ManifestArchitecture OutlookBitness = ManifestArchitecture.Unknown;
        public string WindowsVersion;
        public ManifestArchitecture Architecture = ManifestArchitecture.X64;
        public string Channel;
        public string MachineId;
    }

    /// <summary>A package that matched its manifest entry.</summary>
    public sealed class ManifestVerdict
    {
        internal ManifestVerdict(uint strength, ulong bytes)
        {
            Strength = (ManifestDigest)strength;
            Bytes = bytes;
        }

        public ManifestDigest Strength { get; private set; }

        public ulong Bytes { get; private set; }
    }

    /// <summary>The update plan of a manifest for one machine
    /// (olk_manifest_plan); item i is product i of the manifest.</summary>
    public sealed class ManifestPlan : OlkitObject<ManifestPlanHandle>
    {
        internal ManifestPlan(ManifestPlanHandle handle) : base(handle)
        {
        }

        public int Count
        {
            get { return Sizes.ToInt(Get<UIntPtr>(Native.olk_manifest_plan_item_count)); }
        }

        public ManifestAction Action(int index)
        {
            uint action;
            Library.Check(Native.olk_manifest_plan_item_action(handle, Sizes.Of(index, "index"), out action));
            return (ManifestAction)action;
        }

        /// <summary>Why, as sentences for the Details field; the deciding ones first.</summary>
        public string[] Reasons(int index)
        {
            UIntPtr item = Sizes.Of(index, "index");
            UIntPtr count;
            Library.Check(Native.olk_manifest_plan_item_reason_count(handle, item, out count));
            var reasons = new string[Sizes.ToInt(count)];
            for (int i = 0; i < reasons.Length; i++)
            {
                IntPtr text;
                Library.Check(Native.olk_manifest_plan_item_reason(handle, item, (UIntPtr)i, out text));
                reasons[i] = Utf8.Take(text);
            }
            return reasons;
        }

        /// <summary>The installed version of the item's product; null if not installed.</summary>
        public string Installed(int index)
        {
            IntPtr version;
            Library.Check(Native.olk_manifest_plan_item_installed(handle, Sizes.Of(index, "index"), out version));
            return Utf8.Take(version);
        }

        /// <summary>The cache format applying the item upgrades to; null for none.</summary>
        public uint? CacheUpgrade(int index)
        {
            byte has;
            uint value;
            Library.Check(Native.olk_manifest_plan_item_cache_upgrade(handle, Sizes.Of(index, "index"), out has,
                out value));
            return has != 0 ? value : (uint?)null;
        }

        /// <summary>The indexes of the offered items, in the order to apply them.</summary>
        public int[] ApplyOrder()
        {
            var order = new int[Sizes.ToInt(Get<UIntPtr>(Native.olk_manifest_plan_apply_count))];
            for (int i = 0; i < order.Length; i++)
            {
                UIntPtr index;
                Library.Check(Native.olk_manifest_plan_apply_index(handle, (UIntPtr)i, out index));
                order[i] = Sizes.ToInt(index);
            }
            return order;
        }

        /// <summary>The plan as JSON (shape: olk_manifest_plan_json).</summary>
        public string Json()
        {
            return Utf8.Take(Get<IntPtr>(Native.olk_manifest_plan_json));
        }

        /// <summary>Starts a chunk-by-chunk check of item index's package
        /// (size and digest as the manifest declares them) as the host's own
        /// HTTP stack receives it; the check outlives the plan
        /// (olk_updates_package_check_new).</summary>
        public ManifestCheck CheckPackage(int index)
        {
            ManifestCheckHandle h;
            Library.Check(Native.olk_updates_package_check_new(handle, Sizes.Of(index, "index"), out h));
            return new ManifestCheck(h);
        }
    }

    /// <summary>A package verified chunk by chunk as it downloads (olk_manifest_check).</summary>
    public sealed class ManifestCheck : OlkitObject<ManifestCheckHandle>
    {
        internal ManifestCheck(ManifestCheckHandle handle) : base(handle)
        {
        }

        /// <summary>Feeds the next chunk (Status.ManifestPackageTooLarge past the declared size).</summary>
        public void Update(byte[] chunk)
        {
            if (chunk == null)
            {
                throw new ArgumentNullException("chunk");
            }
            Library.Check(Native.olk_manifest_check_update(handle, chunk, (UIntPtr)chunk.Length));
        }

        /// <summary>Ends the check: size and digest must match. The check is over afterwards.</summary>
        public ManifestVerdict Finish()
        {
            uint strength;
            ulong bytes;
            Library.Check(Native.olk_manifest_check_finish(handle, out strength, out bytes));
            return new ManifestVerdict(strength, bytes);
        }
    }

    /// <summary>A manifest that passed its trust policy (olk_manifest).
    /// Failures throw OlkitException (Status.ManifestBadSignature...).</summary>
    public sealed class Manifest : OlkitObject<ManifestHandle>
    {
        private Manifest(ManifestHandle handle) : base(handle)
        {
        }

        /// <summary>Verifies and reads data signed by signature (null: unsigned).</summary>
        public static Manifest Verify(byte[] data, byte[] signature, ManifestPolicy policy)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            if (policy == null)
            {
                throw new ArgumentNullException("policy");
            }
            ManifestHandle h;
            Library.Check(Native.olk_manifest_verify(data, (UIntPtr)data.Length, signature,
                (UIntPtr)(signature == null ? 0 : signature.Length), policy.Handle, out h));
            return new Manifest(h);
        }

        /// <summary>The serial to store and pass to SetLastSerial next time; null if none.</summary>
        public ulong? SerialToStore
        {
            get
            {
                byte has;
                ulong value;
                Library.Check(Native.olk_manifest_serial_to_store(handle, out has, out value));
                return has != 0 ? value : (ulong?)null;
            }
        }

        /// <summary>The id of the key that signed it (as minisign prints it); null if unsigned.</summary>
        public string KeyId
        {
            get { return Utf8.Take(Get<IntPtr>(Native.olk_manifest_key_id)); }
        }

        public string[] Warnings
        {
            get
            {
                var warnings = new string[Sizes.ToInt(Get<UIntPtr>(Native.olk_manifest_warning_count))];
                for (int i = 0; i < warnings.Length; i++)
                {
                    IntPtr text;
                    Library.Check(Native.olk_manifest_warning(handle, (UIntPtr)i, out text));
                    warnings[i] = Utf8.Take(text);
                }
                return warnings;
            }
        }

        public int ProductCount
        {
            get { return Sizes.ToInt(Get<UIntPtr>(Native.olk_manifest_product_count)); }
        }

        /// <summary>A text field of a product; null when it does not have it.</summary>
        public string Product(int index, ManifestProductField field)
        {
            IntPtr text;
            Library.Check(Native.olk_manifest_product_get(handle, Sizes.Of(index, "index"), (uint)field, out text));
            return Utf8.Take(text);
        }

        /// <summary>A numeric field of a product; null when it does not have it.</summary>
        public ulong? ProductNumber(int index, ManifestProductNumberField field)
        {
            byte has;
            ulong value;
            Library.Check(Native.olk_manifest_product_number(handle, Sizes.Of(index, "index"), (uint)field,
                out has, out value));
            return has != 0 ? value : (ulong?)null;
        }

        /// <summary>A product as JSON (shape: olk_manifest_product_json).</summary>
        public string ProductJson(int index)
        {
            IntPtr json;
            Library.Check(Native.olk_manifest_product_json(handle, Sizes.Of(index, "index"), out json));
            return Utf8.Take(json);
        }

        /// <summary>The update plan for env with installed (null: nothing installed).</summary>
        public ManifestPlan Plan(ManifestEnvironment env, ManifestInstalled installed = null)
        {
            if (env == null)
            {
                throw new ArgumentNullException("env");
            }
            using (var server = new Utf8Arg(env.ServerVersion))
            using (var outlook = new Utf8Arg(env.OutlookVersion))
            using (var windows = new Utf8Arg(env.WindowsVersion))
            using (var channel = new Utf8Arg(env.Channel))
            using (var machine = new Utf8Arg(env.MachineId))
            {
                var raw = new ManifestEnvironmentNative
                {
                    StructSize = (uint)Marshal.SizeOf(typeof(ManifestEnvironmentNative)),
                    ServerVersion = server.Pointer,
                    OutlookVersion = outlook.Pointer,
                    OutlookBitness = (uint)env.OutlookBitness,
                    WindowsVersion = windows.Pointer,
                    Architecture = (uint)env.Architecture,
                    Channel = channel.Pointer,
                    MachineId = machine.Pointer,
                };
                ManifestPlanHandle h;
                Library.Check(Native.olk_manifest_plan_new(handle, ref raw,
                    installed != null ? installed.Handle : new ManifestInstalledHandle(), out h));
                return new ManifestPlan(h);
            }
        }

        /// <summary>Verifies the package file at path against product index.</summary>
        public ManifestVerdict VerifyPackage(int index, string path)
        {
            using (var p = new Utf8Arg(path))
            {
                uint strength;
                ulong bytes;
                Library.Check(Native.olk_manifest_verify_package(handle, Sizes.Of(index, "index"), p.Pointer,
                    out strength, out bytes));
                return new ManifestVerdict(strength, bytes);
            }
        }

        /// <summary>Starts a chunk-by-chunk check of product index's package.</summary>
        public ManifestCheck CheckPackage(int index)
        {
            ManifestCheckHandle h;
            Library.Check(Native.olk_manifest_check_new(handle, Sizes.Of(index, "index"), out h));
            return new ManifestCheck(h);
        }

        /// <summary>Extracts the update bundle (zip) into the new directory
        /// dest, all or nothing; returns the JSON report (shape:
        /// olk_manifest_extract_bundle).</summary>
        public static string ExtractBundle(string zip, string dest)
        {
            using (var z = new Utf8Arg(zip))
            using (var d = new Utf8Arg(dest))
            {
                IntPtr report;
                Library.Check(Native.olk_manifest_extract_bundle(z.Pointer, d.Pointer, out report));
                return Utf8.Take(report);
            }
        }
    }

    /// <summary>What Updates.Check checks and plans (olk_updates_request).</summary>
    public sealed class UpdatesRequest
    {
        /// <summary>The manifest as the server sent it (UTF-8 or UTF-16 XML); required.</summary>
        public byte[] Manifest;
        /// <summary>The text of its .minisig; null: unsigned (refused unless AllowUnsigned).</summary>
        public byte[] Signature;
        /// <summary>The pinned keys: .pub file texts or their base64 lines; null: none.</summary>
        public string[] PublicKeys;
        /// <summary>Accept a manifest without signature (a signature given is still verified).</summary>
        public bool AllowUnsigned;
        /// <summary>The serial stored after the last accepted manifest; null: none yet.</summary>
        public ulong? LastSerial;
        /// <summary>A .reg export of the Windows Installer registrations or a
        /// JSON list of installed products; null: nothing installed.</summary>
        public byte[] Inventory;
        /// <summary>The machine as JSON (as `olkit manifest plan --env`
        /// reads it); null: the defaults.</summary>
        public string EnvironmentJson;
        /// <summary>The time to check expiry at, in Unix seconds; null: the system clock.</summary>
        public long? NowUnix;
    }

    /// <summary>The result of Updates.Check: the plan (disposed with this
    /// object), the list an updater shows and the serial to store.</summary>
    public sealed class UpdatesCheck : IDisposable
    {
        internal UpdatesCheck(ManifestPlan plan, string reportJson, ulong serialToStore)
        {
            Plan = plan;
            ReportJson = reportJson;
            SerialToStore = serialToStore != 0 ? serialToStore : (ulong?)null;
        }

        /// <summary>The plan; item i is product i of the manifest.</summary>
        public ManifestPlan Plan { get; private set; }

        /// <summary>The updater's list as JSON (shape: olk_updates_check).</summary>
        public string ReportJson { get; private set; }

        /// <summary>The serial to store and pass as LastSerial next time; null if none.</summary>
        public ulong? SerialToStore { get; private set; }

        public void Dispose()
        {
            Plan.Dispose();
        }
    }

    /// <summary>The update check in one call (olk_updates_*). Failures
    /// throw OlkitException (Status.ManifestUnsigned, ManifestBadSignature,
    /// ManifestKey, ManifestExpired, ManifestRollback, the Reg* codes of a
    /// .reg inventory, InvalidArgument...).</summary>
    public static class Updates
    {
        /// <summary>request as olk_updates_request for the duration of a call.</summary>
        sealed class RequestArg : IDisposable
        {
            readonly IntPtr manifest;
            readonly IntPtr signature;
            readonly IntPtr[] keys;
            readonly IntPtr array;
            readonly IntPtr inventory;
            readonly IntPtr environment;
            public UpdatesRequestNative Raw;

            /// <summary>A copy of bytes in unmanaged memory; IntPtr.Zero for null
            /// (never for an empty array, which is "these 0 bytes").</summary>
            static IntPtr Copy(byte[] bytes)
            {
                if (bytes == null)
                {
                    return IntPtr.Zero;
                }
                IntPtr p = Marshal.AllocHGlobal(Math.Max(bytes.Length, 1));
                Marshal.Copy(bytes, 0, p, bytes.Length);
                return p;
            }

            static UIntPtr Length(byte[] bytes, string name)
            {
                return bytes == null ? UIntPtr.Zero : Sizes.Of(bytes.Length, name);
            }

            public RequestArg(UpdatesRequest request)
            {
                string[] pinned = request.PublicKeys ?? new string[0];
                keys = new IntPtr[pinned.Length];
                try
                {
                    manifest = Copy(request.Manifest);
                    signature = Copy(request.Signature);
                    for (int i = 0; i < pinned.Length; i++)
                    {
                        keys[i] = Utf8.Alloc(pinned[i]);
                    }
                    if (keys.Length > 0)
                    {
                        array = Marshal.AllocHGlobal(IntPtr.Size * keys.Length);
                        Marshal.Copy(keys, 0, array, keys.Length);
                    }
                    inventory = Copy(request.Inventory);
                    environment = Utf8.Alloc(request.EnvironmentJson);
                }
                catch
                {
                    Dispose();
                    throw;
                }
                Raw = new UpdatesRequestNative
                {
                    StructSize = (uint)Marshal.SizeOf(typeof(UpdatesRequestNative)),
                    Manifest = manifest,
                    ManifestLen = Length(request.Manifest, "Manifest"),
                    Signature = signature,
                    SignatureLen = Length(request.Signature, "Signature"),
                    PublicKeys = array,
                    PublicKeyCount = Sizes.Of(keys.Length, "PublicKeys"),
                    AllowUnsigned = (byte)(request.AllowUnsigned ? 1 : 0),
                    HasLastSerial = (byte)(request.LastSerial.HasValue ? 1 : 0),
                    LastSerial = request.LastSerial.GetValueOrDefault(),
                    Inventory = inventory,
                    InventoryLen = Length(request.Inventory, "Inventory"),
                    EnvironmentJson = environment,
                    HasNow = (byte)(request.NowUnix.HasValue ? 1 : 0),
                    NowUnix = request.NowUnix.GetValueOrDefault(),
                };
            }

            public void Dispose()
            {
                Marshal.FreeHGlobal(manifest);
                Marshal.FreeHGlobal(signature);
                foreach (IntPtr key in keys)
                {
                    Marshal.FreeHGlobal(key);
                }
                Marshal.FreeHGlobal(array);
                Marshal.FreeHGlobal(inventory);
                Marshal.FreeHGlobal(environment);
            }
        }

        /// <summary>Verifies the manifest as olk_manifest_verify does, reads
        /// the installed products and plans it for the machine
        /// (olk_updates_check). A null PublicKeys element is passed on as
        /// NULL (Status.NullArgument naming it).</summary>
        public static UpdatesCheck Check(UpdatesRequest request)
        {
            if (request == null)
            {
                throw new ArgumentNullException("request");
            }
            if (request.Manifest == null)
            {
                throw new ArgumentNullException("request", "request.Manifest is null");
            }
            using (var r = new RequestArg(request))
            {
                ManifestPlanHandle plan;
                IntPtr report;
                ulong serial;
                int status = Native.olk_updates_check(ref r.Raw, out plan, out report, out serial);
                string text = status == Status.Ok ? Utf8.Take(report) : null;
                var owned = new ManifestPlan(plan);
                try
                {
                    Library.Check(status);
                }
                catch
                {
                    owned.Dispose();
                    throw;
                }
                return new UpdatesCheck(owned, text, serial);
            }
        }
    }

    /// <summary>One progress report (olk_progress), copied for the callback.</summary>
    public sealed class Progress
    {
        internal Progress(ProgressNative raw)
        {
            Phase = raw.Phase;
            Item = Utf8.Read(raw.Item);
            ItemsDone = raw.ItemsDone;
            ItemsTotal = raw.ItemsTotal;
            BytesDone = raw.BytesDone;
            BytesTotal = raw.BytesTotal;
        }

        /// <summary>The operation's phase (a DbPhase for Db.Migrate); 0: unknown.</summary>
        public uint Phase { get; private set; }

        /// <summary>The item being worked on (the table being copied); null: none.</summary>
        public string Item { get; private set; }

        public ulong ItemsDone { get; private set; }

        public ulong ItemsTotal { get; private set; }

        public ulong BytesDone { get; private set; }

        public ulong BytesTotal { get; private set; }
    }

    /// <summary>A progress callback, called on the calling thread during the
    /// call only. An exception it throws cancels the operation and is
    /// rethrown by the call once olkit has returned.</summary>
    public delegate ProgressControl ProgressHandler(Progress progress);

    /// <summary>Options of Db.GetStatus and Db.Migrate (olk_db_options).</summary>
    public sealed class DbOptions
    {
        /// <summary>The "scheduled" marker file; null: beside the database.</summary>
        public string ScheduledMarker;
        /// <summary>Free space demanded beyond twice the database size, in bytes.</summary>
        public ulong SpaceMargin;
        /// <summary>integrity_check instead of quick_check for the new database.</summary>
        public bool FullCheck;
    }

    /// <summary>What a database file is (olk_db_status_info; the reasons
    /// are in Db.GetStatusJson).</summary>
    public sealed class DbStatus
    {
        internal DbStatus(DbStatusInfoNative raw)
        {
            State = (DbState)raw.State;
            Format = raw.Format;
            CurrentFormat = raw.CurrentFormat;
            ApplicationId = raw.ApplicationId;
            SizeBytes = raw.SizeBytes;
            SpaceNeededBytes = raw.SpaceNeededBytes;
            Scheduled = raw.Scheduled != 0;
            ScheduledNeededBytes = raw.ScheduledNeededBytes;
            ScheduledAvailableBytes = raw.ScheduledAvailableBytes;
            Leftovers = raw.Leftovers;
        }

        public DbState State { get; private set; }

        /// <summary>The format found; 0 when not ours or unreadable.</summary>
        public uint Format { get; private set; }

        public uint CurrentFormat { get; private set; }

        public int ApplicationId { get; private set; }

        public ulong SizeBytes { get; private set; }

        public ulong SpaceNeededBytes { get; private set; }

        /// <summary>An earlier upgrade lacked space and left the marker.</summary>
        public bool Scheduled { get; private set; }

        public ulong ScheduledNeededBytes { get; private set; }

        public ulong ScheduledAvailableBytes { get; private set; }

        public uint Leftovers { get; private set; }
    }

    /// <summary>How Db.Migrate ended (olk_db_outcome) and its JSON (reasons,
    /// paths, tables; shape: olk_db_migrate).</summary>
    public sealed class DbOutcome
    {
        internal DbOutcome(DbOutcomeNative raw, string json)
        {
            Kind = (DbOutcomeKind)raw.Outcome;
            FromFormat = raw.FromFormat;
            ToFormat = raw.ToFormat;
            OldBytes = raw.OldBytes;
            NewBytes = raw.NewBytes;
            Rows = raw.Rows;
            ElapsedMs = raw.ElapsedMs;
            NeededBytes = raw.NeededBytes;
            AvailableBytes = raw.AvailableBytes;
            SalvagedRows = raw.SalvagedRows;
            UnreadableRows = raw.UnreadableRows;
            CancelledPhase = (DbPhase)raw.CancelledPhase;
            Json = json;
        }

        public DbOutcomeKind Kind { get; private set; }

        public uint FromFormat { get; private set; }

        public uint ToFormat { get; private set; }

        public ulong OldBytes { get; private set; }

        public ulong NewBytes { get; private set; }

        public ulong Rows { get; private set; }

        public ulong ElapsedMs { get; private set; }

        public ulong NeededBytes { get; private set; }

        public ulong AvailableBytes { get; private set; }

        public ulong SalvagedRows { get; private set; }

        public ulong UnreadableRows { get; private set; }

        /// <summary>Cancelled: the phase cancelled; 0 otherwise.</summary>
        public DbPhase CancelledPhase { get; private set; }

        public string Json { get; private set; }
    }

    /// <summary>What Db.Check found.</summary>
    public sealed class DbCheckReport
    {
        internal DbCheckReport(bool ok, string json)
        {
            Ok = ok;
            Json = json;
        }

        public bool Ok { get; private set; }

        /// <summary>The report as JSON (shape: olk_db_check).</summary>
        public string Json { get; private set; }
    }

    /// <summary>The Kerio Outlook Connector cache database (olk_db_*):
    /// status, upgrade out of place with progress and cancel, check.
    /// Failures throw OlkitException (Status.DbNotOurs, DbNewer, DbBusy,
    /// DbSqlite, DbFailed, Io...) and leave the database as it was.</summary>
    public static class Db
    {
        /// <summary>Runs body with options as olk_db_options (its marker
        /// converted for the call).</summary>
        static T WithOptions<T>(DbOptions options, Func<DbOptionsNative, T> body)
        {
            options = options ?? new DbOptions();
            using (var marker = new Utf8Arg(options.ScheduledMarker))
            {
                return body(new DbOptionsNative
                {
                    StructSize = (uint)Marshal.SizeOf(typeof(DbOptionsNative)),
                    ScheduledMarker = marker.Pointer,
                    SpaceMargin = options.SpaceMargin,
                    FullCheck = (byte)(options.FullCheck ? 1 : 0),
                });
            }
        }

        /// <summary>Examines the database at path without changing it.</summary>
        public static DbStatus GetStatus(string path, DbOptions options = null)
        {
            using (var p = new Utf8Arg(path))
            {
                return WithOptions(options, raw =>
                {
                    var info = new DbStatusInfoNative
                    {
                        StructSize = (uint)Marshal.SizeOf(typeof(DbStatusInfoNative)),
                    };
                    Library.Check(Native.olk_db_status(p.Pointer, ref raw, ref info));
                    return new DbStatus(info);
                });
            }
        }

        /// <summary>GetStatus as JSON, with the reason of an unreadable file
        /// (shape: olk_db_status_json).</summary>
        public static string GetStatusJson(string path, DbOptions options = null)
        {
            using (var p = new Utf8Arg(path))
            {
                return WithOptions(options, raw =>
                {
                    IntPtr json;
                    Library.Check(Native.olk_db_status_json(p.Pointer, ref raw, out json));
                    return Utf8.Take(json);
                });
            }
        }

        /// <summary>Upgrades the database at path to the newest format, out
        /// of place, reporting to progress (may be null). A cancel
        /// (ProgressControl.Cancel) is an outcome, DbOutcomeKind.Cancelled,
        /// with the database as it was; so is an exception from progress,
        /// which is rethrown here.</summary>
        public static DbOutcome Migrate(string path, DbOptions options = null, ProgressHandler progress = null)
        {
            Exception thrown = null;
            Native.ProgressCallback callback = null;
            if (progress != null)
            {
                callback = (userdata, report) =>
                {
                    // Nothing may unwind into olkit's frames.
                    try
                    {
                        var raw = (ProgressNative)Marshal.PtrToStructure(report, typeof(ProgressNative));
                        return progress(new Progress(raw)) == ProgressControl.Cancel ? 1 : 0;
                    }
                    catch (Exception e)
                    {
                        thrown = e;
                        return 1;
                    }
                };
            }
            using (var p = new Utf8Arg(path))
            {
                return WithOptions(options, raw =>
                {
                    var outcome = new DbOutcomeNative
                    {
                        StructSize = (uint)Marshal.SizeOf(typeof(DbOutcomeNative)),
                    };
                    IntPtr json;
                    int status = Native.olk_db_migrate(p.Pointer, ref raw, callback, IntPtr.Zero, ref outcome,
                        out json);
                    GC.KeepAlive(callback);
                    string text = status == Status.Ok ? Utf8.Take(json) : null;
                    if (thrown != null)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(thrown).Throw();
                    }
                    Library.Check(status);
                    return new DbOutcome(outcome, text);
                });
            }
        }

        /// <summary>Checks the database at path read-only (full: integrity_check).</summary>
        public static DbCheckReport Check(string path, bool full = false)
        {
            using (var p = new Utf8Arg(path))
            {
                IntPtr json;
                byte ok;
                Library.Check(Native.olk_db_check(p.Pointer, (byte)(full ? 1 : 0), out json, out ok));
                return new DbCheckReport(ok != 0, Utf8.Take(json));
            }
        }
    }
    /// <summary>Outlook profiles read from a .reg export or a .prf file
    /// (olk_profile_set).</summary>
    public sealed class ProfileSet : OlkitObject<ProfileSetHandle>
    {
        private ProfileSet(ProfileSetHandle handle) : base(handle) { }

        /// <summary>Reads a .reg export or, without a .reg header, a .prf file.</summary>
        public static ProfileSet Parse(byte[] data)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            ProfileSetHandle handle;
            Library.Check(Native.olk_profile_set_parse(data, Sizes.Of(data.Length, "data"), out handle));
            return new ProfileSet(handle);
        }

        /// <summary>The number of profiles, over all users and roots (1 for a .prf file).</summary>
        public int Count
        {
            get { return Sizes.ToInt(Get<UIntPtr>(Native.olk_profile_set_count)); }
        }

        /// <summary>Users, profiles, services, accounts and issues as JSON
        /// (shape: olk_profile_set_list_json).</summary>
        public string ListJson()
        {
            return Utf8.Take(Get<IntPtr>(Native.olk_profile_set_list_json));
        }
    }

    /// <summary>What the server probe is asked about (olk_profile_server_query).</summary>
    public sealed class ProfileServerQuery
    {
        internal ProfileServerQuery(ProfileServerQueryNative raw)
        {
            User = Utf8.Read(raw.User);
            Profile = Utf8.Read(raw.Profile);
            Server = Utf8.Read(raw.Server);
            Port = raw.Port;
            Ssl = raw.Ssl < 0 ? (bool?)null : raw.Ssl != 0;
        }

        /// <summary>The user's hive as the export spells it; "" for a .prf file.</summary>
        public string User { get; private set; }

        public string Profile { get; private set; }

        /// <summary>The server the KOC service names; null: none.</summary>
        public string Server { get; private set; }

        /// <summary>0: unknown.</summary>
        public uint Port { get; private set; }

        /// <summary>null: unknown.</summary>
        public bool? Ssl { get; private set; }
    }

    /// <summary>The server check of a conversion: the server's version
    /// ("7.4.1") when it is reachable, null when it is not. Called on the
    /// calling thread during the call only; an exception it throws cancels
    /// the call and is rethrown by it once olkit has returned.</summary>
    public delegate string ProfileProbe(ProfileServerQuery query);

    /// <summary>Options of Profiles.Plan and Profiles.Convert (olk_profile_options).</summary>
    public sealed class ProfileOptions
    {
        /// <summary>A rules file replacing the built-in rules; null: the built-in ones.</summary>
        public byte[] Rules;
        /// <summary>The profiles to convert; null or empty: every profile (or the default one).</summary>
        public string[] Profiles;
        /// <summary>Only the default profile of each user (not together with Profiles).</summary>
        public bool DefaultOnly;
        /// <summary>The one user to convert (a SID or a hive); null: every user.</summary>
        public string User;
    }

    /// <summary>The profile counts of a conversion.</summary>
    public sealed class ProfileCounts
    {
        internal ProfileCounts(UIntPtr converted, UIntPtr blocked, UIntPtr already)
        {
            Converted = Sizes.ToInt(converted);
            Blocked = Sizes.ToInt(blocked);
            Already = Sizes.ToInt(already);
        }

        public int Converted { get; private set; }

        /// <summary>A server older than the rules' minimum.</summary>
        public int Blocked { get; private set; }

        /// <summary>Already KOFF.</summary>
        public int Already { get; private set; }
    }

    /// <summary>The result of Profiles.Convert (olk_profile_conversion):
    /// the converted export, the undo export and the report.</summary>
    public sealed class ProfileConversion : OlkitObject<ProfileConversionHandle>
    {
        internal ProfileConversion(ProfileConversionHandle handle) : base(handle) { }

        delegate int Borrow(ProfileConversionHandle conversion, out IntPtr data, out UIntPtr len);

        byte[] Copy(Borrow borrow)
        {
            IntPtr data;
            UIntPtr len;
            Library.Check(borrow(handle, out data, out len));
            byte[] bytes = new byte[Sizes.ToInt(len)];
            if (bytes.Length > 0)
            {
                Marshal.Copy(data, bytes, 0, bytes.Length);
            }
            return bytes;
        }

        /// <summary>The converted export (a copy).</summary>
        public byte[] Converted
        {
            get { return Copy(Native.olk_profile_conversion_converted); }
        }

        /// <summary>The undo export, which restores the original exactly (a copy).</summary>
        public byte[] Undo
        {
            get { return Copy(Native.olk_profile_conversion_undo); }
        }

        /// <summary>The report as JSON (shape: olk_profile_plan).</summary>
        public string ReportJson()
        {
            return Utf8.Take(Get<IntPtr>(Native.olk_profile_conversion_report_json));
        }

        /// <summary>The report as text for people.</summary>
        public string ReportText()
        {
            return Utf8.Take(Get<IntPtr>(Native.olk_profile_conversion_report_text));
        }

        public ProfileCounts Counts
        {
            get
            {
                UIntPtr converted, blocked, already;
                Library.Check(Native.olk_profile_conversion_counts(handle, out converted, out blocked,
                    out already));
                return new ProfileCounts(converted, blocked, already);
            }
        }
    }

    /// <summary>The conversion of KOC profiles to KOFF (olk_profile_plan,
    /// olk_profile_convert). Failures throw OlkitException
    /// (Status.ProfileSyntax, ProfileRules, ProfileTooLarge, ProfileFailed,
    /// Cancelled...).</summary>
    public static class Profiles
    {
        /// <summary>options as olk_profile_options for the duration of a call.</summary>
        sealed class OptionsArg : IDisposable
        {
            readonly IntPtr rules;
            readonly IntPtr[] names;
            readonly IntPtr array;
            readonly IntPtr user;
            public ProfileOptionsNative Raw;

            public OptionsArg(ProfileOptions options)
            {
                options = options ?? new ProfileOptions();
                string[] profiles = options.Profiles ?? new string[0];
                names = new IntPtr[profiles.Length];
                try
                {
                    if (options.Rules != null)
                    {
                        // Never IntPtr.Zero, even for an empty file: "these rules".
                        rules = Marshal.AllocHGlobal(Math.Max(options.Rules.Length, 1));
                        Marshal.Copy(options.Rules, 0, rules, options.Rules.Length);
                    }
                    for (int i = 0; i < profiles.Length; i++)
                    {
                        names[i] = Utf8.Alloc(profiles[i]);
                    }
                    if (names.Length > 0)
                    {
                        array = Marshal.AllocHGlobal(IntPtr.Size * names.Length);
                        Marshal.Copy(names, 0, array, names.Length);
                    }
                    user = Utf8.Alloc(options.User);
                }
                catch
                {
                    Dispose();
                    throw;
                }
                Raw = new ProfileOptionsNative
                {
                    StructSize = (uint)Marshal.SizeOf(typeof(ProfileOptionsNative)),
                    Rules = rules,
                    RulesLen = options.Rules == null ? UIntPtr.Zero : Sizes.Of(options.Rules.Length, "Rules"),
                    Profiles = array,
                    ProfileCount = Sizes.Of(names.Length, "Profiles"),
                    DefaultOnly = (byte)(options.DefaultOnly ? 1 : 0),
                    User = user,
                };
            }

            public void Dispose()
            {
                Marshal.FreeHGlobal(rules);
                foreach (IntPtr name in names)
                {
                    Marshal.FreeHGlobal(name);
                }
                Marshal.FreeHGlobal(array);
                Marshal.FreeHGlobal(user);
            }
        }

        /// <summary>The native probe of a ProfileProbe (null for null), and what it threw.</summary>
        sealed class ProbeArg
        {
            public Exception Thrown;
            public readonly Native.ProfileProbeCallback Callback;

            public ProbeArg(ProfileProbe probe)
            {
                if (probe == null)
                {
                    return;
                }
                Callback = (userdata, query, versionBuf, versionLen) =>
                {
                    // Nothing may unwind into olkit's frames.
                    try
                    {
                        var raw = (ProfileServerQueryNative)Marshal.PtrToStructure(query,
                            typeof(ProfileServerQueryNative));
                        string version = probe(new ProfileServerQuery(raw));
                        if (version == null)
                        {
                            return 0;
                        }
                        byte[] bytes = Encoding.UTF8.GetBytes(version);
                        if (bytes.Length >= (long)versionLen.ToUInt64() || Array.IndexOf(bytes, (byte)0) >= 0)
                        {
                            throw new OlkitException(Status.InvalidArgument,
                                "the probe's server version does not fit in " + (versionLen.ToUInt64() - 1)
                                + " bytes");
                        }
                        Marshal.Copy(bytes, 0, versionBuf, bytes.Length);
                        Marshal.WriteByte(versionBuf, bytes.Length, 0);
                        return 1;
                    }
                    catch (Exception e)
                    {
                        Thrown = e;
                        return -1;
                    }
                };
            }

            /// <summary>Rethrows what the probe threw, then checks status.</summary>
            public void Check(int status)
            {
                GC.KeepAlive(Callback);
                if (Thrown != null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(Thrown).Throw();
                }
                Library.Check(status);
            }
        }

        /// <summary>The dry run of a conversion of the export in data (.reg
        /// or .prf): what would be converted and every change, as JSON
        /// (shape: olk_profile_plan).</summary>
        public static string Plan(byte[] data, ProfileOptions options = null, ProfileProbe probe = null)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            var p = new ProbeArg(probe);
            using (var o = new OptionsArg(options))
            {
                IntPtr json;
                int status = Native.olk_profile_plan(data, Sizes.Of(data.Length, "data"), ref o.Raw, p.Callback,
                    IntPtr.Zero, out json);
                string text = status == Status.Ok ? Utf8.Take(json) : null;
                p.Check(status);
                return text;
            }
        }

        /// <summary>Converts the KOC profiles in scope of the export in data
        /// (.reg or .prf) to KOFF, touching nothing else.</summary>
        public static ProfileConversion Convert(byte[] data, ProfileOptions options = null, ProfileProbe probe = null)
        {
            if (data == null)
            {
                throw new ArgumentNullException("data");
            }
            var p = new ProbeArg(probe);
            using (var o = new OptionsArg(options))
            {
                ProfileConversionHandle handle;
                int status = Native.olk_profile_convert(data, Sizes.Of(data.Length, "data"), ref o.Raw, p.Callback,
                    IntPtr.Zero, out handle);
                var conversion = new ProfileConversion(handle);
                try
                {
                    p.Check(status);
                }
                catch
                {
                    conversion.Dispose();
                    throw;
                }
                return conversion;
            }
        }
    }
}

package app

import (
	"encoding/json"
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"syscall"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// Kind says what went wrong, in words a front end can act on and translate:
// the command line prints Error's English sentence, the window looks the
// kind up in its translations (never the wording). Kinds are stable codes.
type Kind string

// Error is every error the core hands a front end: a kind, the file (or
// upload) it concerns, the variable parts its sentence needs, what to do
// about it, and the cause underneath (often another *Error).
type Error struct {
	Kind Kind
	// File is the name of the file or upload concerned ("" if none).
	File string
	// Key is an object key, a setting's name or a command, as the kind's
	// sentence says.
	Key string
	// Value is the variable part of the sentence: a value refused, a
	// size, a date, an address.
	Value string
	// Fix is what to do about it, when that depends on the situation.
	Fix Fix
	// Err is the cause.
	Err error
}

// Fix is a piece of advice, by code (translated like kinds).
type Fix string

// Error is the one English sentence the command line prints.
func (e *Error) Error() string {
	return e.Format(e.Template(), func(err error) string { return err.Error() }, FixText)
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches a bare *Error of the same kind: errors.Is(err, &Error{Kind: KindNotImage}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.File == "" && t.Err == nil
}

// Template is the English sentence of the kind, with the placeholders
// {file} {key} {value} {fix} {cause}.
func (e *Error) Template() string {
	if t, ok := templates[e.Kind]; ok {
		return t
	}
	return "{cause}"
}

// Format fills template with e's parts: cause says the cause (a front end
// translates it in turn), fix the advice. A placeholder left empty takes
// its brackets or the separator before it along.
func (e *Error) Format(template string, cause func(error) string, fix func(Fix) string) string {
	c := ""
	if e.Err != nil {
		c = cause(e.Err)
	}
	f := ""
	if e.Fix != "" {
		f = fix(e.Fix)
	}
	vals := map[string]string{"file": e.File, "key": e.Key, "value": e.Value, "fix": f, "cause": c}
	return fill(template, vals)
}

// fill replaces {name} placeholders; an empty one takes what joins it to
// the sentence along: " ({name})", ": {name}", "; {name}", "{name}: ".
// Values are put in in one pass, so a value that holds a placeholder's
// name (a key template refused, "{key}") is never filled in turn.
func fill(t string, vals map[string]string) string {
	for name, v := range vals {
		if v != "" {
			continue
		}
		ph := "{" + name + "}"
		for _, wrap := range []string{" (" + ph + ")", "(" + ph + ")", ": " + ph, "; " + ph, ", " + ph, ph + ": "} {
			t = strings.ReplaceAll(t, wrap, "")
		}
	}
	return placeholderOf.ReplaceAllStringFunc(t, func(ph string) string { return vals[ph[1:len(ph)-1]] })
}

var placeholderOf = regexp.MustCompile(`\{(file|key|value|fix|cause)\}`)

// FixText is a piece of advice in English.
func FixText(f Fix) string {
	if t, ok := fixes[f]; ok {
		return t
	}
	return string(f)
}

// Kinds lists every kind of error the core reports, for the front ends'
// translation tests.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(templates))
	for k := range templates {
		ks = append(ks, k)
	}
	return ks
}

// Fixes lists every piece of advice by code.
func Fixes() []Fix {
	fs := make([]Fix, 0, len(fixes))
	for f := range fixes {
		fs = append(fs, f)
	}
	return fs
}

// Kinds of errors. Each has its English sentence in templates.
const (
	// A file given to upload.
	KindCannotOpen    Kind = "cannot_open"
	KindCannotRead    Kind = "cannot_read"
	KindNotImage      Kind = "not_image"
	KindEmpty         Kind = "empty"
	KindFolder        Kind = "folder"
	KindEmptyFolder   Kind = "empty_folder"
	KindNotRegular    Kind = "not_regular"
	KindClipboard     Kind = "clipboard_not_image"
	KindKeepBytes     Kind = "keep_bytes"
	KindMetadata      Kind = "metadata"
	KindSameRow       Kind = "same_row"
	KindClaim         Kind = "claim"
	KindPreparing     Kind = "preparing"
	KindPrepare       Kind = "prepare"
	KindWebCopyFailed Kind = "web_copy_failed"
	// An upload's outcome.
	KindChanged         Kind = "changed"
	KindChangedKept     Kind = "changed_kept"
	KindBeforeCopies    Kind = "before_copies"
	KindWillNotThumb    Kind = "no_thumbnail_ahead"
	KindRefused         Kind = "refused"
	KindNoFunction      Kind = "no_function"
	KindHistorySave     Kind = "history_save"
	KindUploadFailed    Kind = "upload_failed"
	KindWaitFailed      Kind = "wait_failed"
	KindRetrying        Kind = "retrying"
	KindWaitingOther    Kind = "waiting_other"
	KindShuttingDown    Kind = "shutting_down"
	KindNotConnected    Kind = "not_connected"
	KindHistory         Kind = "history"
	KindOtherBucket     Kind = "other_bucket"
	KindNotOurs         Kind = "not_ours"
	KindNotInBucket     Kind = "not_in_bucket"
	KindDeleteFailed    Kind = "delete_failed"
	KindPreview         Kind = "preview"
	KindPreviewLarge    Kind = "preview_too_large"
	KindStoredLink      Kind = "stored_link"
	KindUnknownTarget   Kind = "unknown_target"
	KindSyncUnsupported Kind = "sync_unsupported"
	KindSyncTooLong     Kind = "sync_too_long"

	// Importing another uploader's gallery (import.go).
	KindImportApp         Kind = "import_app"
	KindImportFile        Kind = "import_file"
	KindImportOtherApp    Kind = "import_other_app"
	KindImportMoved       Kind = "import_moved"
	KindImportEmpty       Kind = "import_empty"
	KindImportCut         Kind = "import_cut"
	KindImportDamaged     Kind = "import_damaged"
	KindImportJSON        Kind = "import_json"
	KindImportNoList      Kind = "import_no_list"
	KindImportNotGzip     Kind = "import_not_gzip"
	KindImportNotDBOrJSON Kind = "import_not_db_or_json"
	KindImportNotSQLite   Kind = "import_not_sqlite"
	KindImportNoTable     Kind = "import_no_table"
	KindImportBadDB       Kind = "import_bad_db"
	KindImportedLink      Kind = "imported_link"
	KindPreviewHTTP       Kind = "preview_http"
	KindPreviewLink       Kind = "preview_link"

	// Why the resize function makes no thumbnail (thumbnail.Kind).
	KindImageNotImage   Kind = "image_not_image"
	KindImageTooLarge   Kind = "image_too_large"
	KindImageTooMany    Kind = "image_too_many_pixels"
	KindImageCorrupt    Kind = "image_corrupt"
	KindImageEmpty      Kind = "image_empty"
	KindImageTooMuchMem Kind = "image_too_much_memory"
	KindImageRefused    Kind = "image_refused"
	KindImageOverBytes  Kind = "image_over_bytes"
	KindImageOverPixels Kind = "image_over_pixels"
	KindImageOverMemory Kind = "image_over_memory"

	// The bucket (storage's kinds).
	KindNoSuchObject   Kind = "no_such_object"
	KindExists         Kind = "exists"
	KindNoSuchBucket   Kind = "no_such_bucket"
	KindBadCredentials Kind = "bad_credentials"
	KindAccessDenied   Kind = "access_denied"
	KindUnreachable    Kind = "unreachable"
	KindNoCredentials  Kind = "no_credentials"
	KindServerFailed   Kind = "server_failed"
	KindStalled        Kind = "stalled"
	KindDiskFull       Kind = "disk_full"
	KindStorage        Kind = "storage"

	// The OS keyring.
	KindNoKeys      Kind = "no_keys"
	KindKeysDamaged Kind = "keys_damaged"
	KindNoKeyring   Kind = "no_keyring"
	KindKeyring     Kind = "keyring"
	KindKeysInvalid Kind = "keys_invalid"
	// The editors' API secret.
	KindNoSecret      Kind = "no_secret"
	KindSecretKeyring Kind = "secret_keyring"
	KindSecretShape   Kind = "secret_shape"
	KindSecretGone    Kind = "secret_gone"

	// The local agent.
	KindPortTaken       Kind = "port_taken"
	KindAgentPort       Kind = "agent_port_taken"
	KindAgentPortOrphan Kind = "agent_port_orphan"
	KindAgentPID        Kind = "agent_pid"
	KindAgentStart      Kind = "agent_not_started"
	KindAgentNoAnswer   Kind = "agent_no_answer"
	KindAgentNoExe      Kind = "agent_no_binary"
	KindAgentStop       Kind = "agent_does_not_stop"
	KindAPIOff          Kind = "api_not_served"

	// Settings.
	KindSetting        Kind = "setting"
	KindSettingChoice  Kind = "setting_choice"
	KindSettingDur     Kind = "setting_duration"
	KindSettingRange   Kind = "setting_range"
	KindSettingBool    Kind = "setting_bool"
	KindSettingNumber  Kind = "setting_number"
	KindSettingURL     Kind = "setting_url"
	KindSettingSecret  Kind = "setting_secret_in_url"
	KindSettingPrefix  Kind = "setting_prefix"
	KindSettingBucket  Kind = "setting_bucket"
	KindSettingAddr    Kind = "setting_host_port"
	KindSettingLoop    Kind = "setting_not_loopback"
	KindSettingRegion  Kind = "setting_region"
	KindSettingSizes   Kind = "setting_sizes"
	KindSettingUnknown Kind = "setting_unknown"
	KindSettingOverlap Kind = "setting_prefixes_overlap"
	KindSettingPorts   Kind = "setting_same_port"
	KindNeedsBucket    Kind = "setting_needs_bucket"
	KindSettingWidths  Kind = "setting_widths"
	KindFormat         Kind = "format"
	KindTemplateEmpty  Kind = "template_empty"
	KindTemplateVars   Kind = "template_no_vars"
	KindKeyTemplate    Kind = "key_template"
	KindKeyUnknown     Kind = "key_template_placeholder"
	KindKeyCollides    Kind = "key_template_collides"
	KindConfigDamaged  Kind = "config_damaged"
	KindConfigSave     Kind = "config_save"
	KindConfigRead     Kind = "config_read"
	KindDirs           Kind = "dirs"

	// Backfill (the originals already in a bucket).
	KindBackfillNoList      Kind = "backfill_no_list"
	KindBackfillLocal       Kind = "backfill_local"
	KindBackfillNoBatch     Kind = "backfill_no_batch"
	KindBackfillNoRole      Kind = "backfill_no_role"
	KindBackfillBadRole     Kind = "backfill_bad_role"
	KindBackfillNoFunction  Kind = "backfill_no_function"
	KindBackfillBadFunction Kind = "backfill_bad_function"
	KindBackfillList        Kind = "backfill_list"
	KindBackfillSettings    Kind = "backfill_settings"
	KindBackfillStopped     Kind = "backfill_stopped"
	KindBackfillJobFailed   Kind = "backfill_job_failed"
	KindBackfillReport      Kind = "backfill_report"
	KindBackfillInvalidate  Kind = "backfill_invalidate"
	KindBackfillMismatch    Kind = "backfill_mismatch"

	// What 'check' finds of public links.
	KindLinkNoAnswer   Kind = "link_no_answer"
	KindLinkStatus     Kind = "link_status"
	KindCDNLinkStatus  Kind = "cdn_link_status"
	KindBucketIsPublic Kind = "bucket_is_public"

	// What the operating system said (the cause of another kind).
	KindNoSuchFile Kind = "os_not_exist"
	KindPermission Kind = "os_permission"
	KindIsFolder   Kind = "os_is_dir"
	KindNoSpace    Kind = "os_no_space"
)

// templates are the kinds' English sentences. The window's translations
// are keyed by kind ("error.<kind>" in assets/translations/errors.ko.json).
var templates = map[Kind]string{
	KindCannotOpen:    "{file}: cannot open it ({cause})",
	KindCannotRead:    "{file}: cannot read it ({cause})",
	KindNotImage:      "{file} is not an image thumbdrop can use ({value}); nothing uploaded",
	KindEmpty:         "{file} is empty (0 bytes); nothing uploaded",
	KindFolder:        "{file} is a folder; drop the images inside it",
	KindEmptyFolder:   "{file}: the folder holds no images",
	KindNotRegular:    "{file} is not a regular file (a pipe or a device); nothing uploaded",
	KindClipboard:     "the clipboard holds no image thumbdrop can use ({value})",
	KindKeepBytes:     "{file}: cannot keep it for upload ({cause})",
	KindMetadata:      "{file}: cannot read its metadata ({cause})",
	KindSameRow:       "{file}: the same picture is being uploaded in another row",
	KindClaim:         "{file}: cannot claim the picture ({cause})",
	KindPreparing:     "making it web-ready on this computer",
	KindPrepare:       "{file}: cannot make it web-ready ({cause}); nothing uploaded: to upload such pictures as they are, set original_max 0 and original_format keep (web_copy false for a HEIC or TIFF)",
	KindWebCopyFailed: "{file}: its web copy could not be uploaded ({cause}); nothing of it was kept",

	KindChanged:         "{file} changed while it was uploading ({value}); nothing was kept: upload it again once it is complete",
	KindChangedKept:     "{file} changed while it was uploading ({value}), and what went up could not be deleted ({cause}): delete {key} with 'thumbdrop delete', then upload it again once it is complete",
	KindBeforeCopies:    "{file} was uploaded on {value}, before copies were made: to have them, delete it and upload it again",
	KindWillNotThumb:    "{file}: no thumbnail will be made: {cause}",
	KindRefused:         "{file}: no thumbnail: {cause}",
	KindNoFunction:      "{file}: no thumbnail appeared within {value}: no resize function seems to be deployed for this bucket (see deploy/README.md); the original's link works",
	KindHistorySave:     "{file} was uploaded as {key} but the history could not be saved: {cause}",
	KindUploadFailed:    "{file}: {cause}",
	KindWaitFailed:      "{file}: cannot look for its thumbnail: {cause}",
	KindRetrying:        "{cause}; trying again",
	KindWaitingOther:    "the same picture is being uploaded by another thumbdrop; waiting for it",
	KindShuttingDown:    "thumbdrop is shutting down",
	KindNotConnected:    "not connected ({cause}); check Settings or 'thumbdrop config show'",
	KindHistory:         "the history cannot be read or written ({cause})",
	KindOtherBucket:     "{file} was uploaded to another bucket than the one configured; switch to it in Settings to use it",
	KindNotOurs:         "{value} is not an upload of bucket {key} (thumbdrop deletes only its own uploads, under {fix})",
	KindNotInBucket:     "{value} does not exist in bucket {key}",
	KindDeleteFailed:    "{file}: cannot delete it: {cause}",
	KindPreview:         "preview of {file}: {cause}",
	KindPreviewLarge:    "{file} is too large to preview ({value})",
	KindStoredLink:      "{file} was uploaded to another bucket than the one configured; its stored link is {value}",
	KindUnknownTarget:   "unknown target {value}",
	KindSyncUnsupported: "this target cannot be listed, so its history cannot be synced",
	KindSyncTooLong:     "the sync took longer than {value} and was stopped; what it found is kept, and the next one goes on",

	KindImportApp:         "unknown app {value}; import takes {key}",
	KindImportFile:        "{file} is not a {value} gallery ({cause}): expected {fix}",
	KindImportOtherApp:    "{file} is a {value} file, not a {key} gallery: import it as {value}",
	KindImportMoved:       "{file} holds no gallery: {value} moved it to picgo.db in the same folder; import that file",
	KindImportEmpty:       "the file is empty",
	KindImportCut:         "the file is cut short, perhaps copied while it was being written",
	KindImportDamaged:     "its compressed data is damaged",
	KindImportJSON:        "its JSON is broken at byte {value}",
	KindImportNoList:      "it has no {key} list",
	KindImportNotGzip:     "it is neither gzip-compressed nor JSON",
	KindImportNotDBOrJSON: "it is neither an SQLite database nor JSON",
	KindImportNotSQLite:   "it is not an SQLite database",
	KindImportNoTable:     "it has no table {key}",
	KindImportBadDB:       "the database cannot be read: {cause}",
	KindImportedLink:      "{file} was imported from {value}: its link is kept as {value} made it and cannot be made private",
	KindPreviewHTTP:       "preview of {file}: {key} answers HTTP {value}",
	KindPreviewLink:       "preview of {file}: {value} is not an http:// or https:// link",

	KindImageNotImage:   "not an image: {value}",
	KindImageTooLarge:   "file too large: {value}",
	KindImageTooMany:    "too many pixels: {value}",
	KindImageCorrupt:    "corrupt image: {value}",
	KindImageEmpty:      "empty file: {value}",
	KindImageTooMuchMem: "too much memory to decode: {value}",
	KindImageRefused:    "the resize function refused the picture: {value}",
	KindImageOverBytes:  "file too large: larger than the {key} limit",
	KindImageOverPixels: "too many pixels: declares {value}, limit {key}",
	KindImageOverMemory: "too much memory to decode: it would need about {value}, more than the {key} allowed",

	KindNoSuchObject:   "no such object ({key})",
	KindExists:         "an object with that key already exists ({key})",
	KindNoSuchBucket:   "no such bucket {key} ({fix})",
	KindBadCredentials: "the access key or secret is wrong ({fix})",
	KindAccessDenied:   "access denied ({fix})",
	KindUnreachable:    "the storage server cannot be reached ({fix})",
	KindNoCredentials:  "no credentials ({fix})",
	KindServerFailed:   "the storage server failed ({value}: {fix})",
	KindStalled:        "the storage server stopped answering ({fix})",
	KindDiskFull:       "the disk is full ({fix})",
	KindStorage:        "{cause}",

	KindNoKeys:      "no keys are stored; run 'thumbdrop login' or enter them in Settings",
	KindKeysDamaged: "the keys in the OS keyring are damaged; run 'thumbdrop login' again",
	KindNoKeyring:   "cannot {value}: {fix}, or use the AWS CLI's credentials with 'thumbdrop config set credentials aws'",
	KindKeyring:     "cannot {value} in the OS keyring: {cause}",
	KindKeysInvalid: "{fix}",

	KindNoSecret:      "no {key} is stored in the OS keyring",
	KindSecretKeyring: "cannot {value}: {fix}",
	KindSecretShape:   "{key}: a secret is 8 to 256 letters, digits or signs, without spaces (Settings' Generate makes one)",
	KindSecretGone:    "the editors' upload API wants a secret but the OS keyring holds no {key}: set one again in Settings or with 'thumbdrop config set picgo_secret SECRET'",

	KindPortTaken:       "{value} is already in use by another program; pick another port with '{key}'",
	KindAgentPort:       "{value} is held by another thumbdrop agent ({cause}, data folder {file}); stop it with 'thumbdrop serve --stop' or pick another port with '{key}'",
	KindAgentPortOrphan: "{value} is held by another thumbdrop agent ({cause}) whose data folder {file} no longer exists; stop it with 'thumbdrop serve --stop' or pick another port with '{key}'",
	KindAgentPID:        "pid {value}",
	KindAgentStart:      "the agent did not start: {cause}",
	KindAgentNoAnswer:   "the agent did not answer within {value}: {cause}",
	KindAgentNoExe:      "no thumbdrop binary to start the agent with",
	KindAgentStop:       "the agent (pid {value}) does not stop",
	KindAPIOff:          "the editors' upload API is not served: {cause}",

	KindSetting:        "{key}: {cause}",
	KindSettingChoice:  "{key}: {value} is not one of {fix}",
	KindSettingDur:     "{key}: {value} is not a duration like 90s, 10m or 168h",
	KindSettingRange:   "{key}: must be between {value}",
	KindSettingBool:    "{key}: {value} is not true or false",
	KindSettingNumber:  "{key}: must be a whole number from {value}",
	KindSettingURL:     "{key}: {value} is not an http:// or https:// URL",
	KindSettingSecret:  "{key}: {value} carries a user, password or query: secrets never go in the config; give the bare URL and store keys with 'thumbdrop login'",
	KindSettingPrefix:  "{key}: {value} is not a prefix: it must end with / and not start with one, like original/, with no empty, . or .. folder",
	KindSettingBucket:  "{key}: {value} is not a valid bucket name (3-63 lower-case letters, digits, dots and hyphens)",
	KindSettingAddr:    "{key}: {value} is not a host:port like 127.0.0.1:8586",
	KindSettingLoop:    "{key}: {value} is not a loopback address: the agent listens on this computer only, e.g. 127.0.0.1:{fix}",
	KindSettingRegion:  "{key}: {value} is not a region like us-east-1",
	KindSettingSizes:   "{key}: {value} is not a sizes attribute like " + DefaultSizes,
	KindSettingUnknown: "unknown setting {key}; settings are {value}",
	KindSettingOverlap: "original_prefix {key} and thumb_prefix {value} must not overlap: thumbnails would be taken for uploads",
	KindSettingPorts:   "local_addr {key} and picgo_server {value} use the same port; give them different ones",
	KindNeedsBucket:    "the s3 target needs a bucket; set it with 'thumbdrop config set bucket NAME'",
	KindSettingWidths:  "{key}: {cause}",
	KindFormat:         "{value} is neither a format ({key}) nor a template using {fix}",
	KindTemplateEmpty:  "{key}: the template is empty",
	KindTemplateVars:   "{key}: the template uses none of {value}",
	KindKeyTemplate:    "{key}: {value} is not a key template: {fix}",
	KindKeyUnknown:     "{key}: {value} is not a placeholder of key templates; they are " + KeyPlaceholders,
	KindKeyCollides:    "{key}: {value} can give two different files the same key (two photos named IMG_0001.jpg); put {ms}, {sha256:8} or {uuid} in it",
	KindConfigDamaged:  "config {file} is damaged ({cause}); fix it, or reset it with 'thumbdrop config reset'",
	KindConfigSave:     "cannot save the settings to {file}: {cause}",
	KindConfigRead:     "cannot read the settings in {file}: {cause}",
	KindDirs:           "cannot find the {value} folder ({cause}); set {key}",

	KindBackfillNoList:      "this target cannot be listed, so it cannot be backfilled",
	KindBackfillLocal:       "local mode has no S3 Batch Operations: run 'thumbdrop backfill --here'",
	KindBackfillNoBatch:     "S3 Batch Operations exists on AWS only, and the bucket is on {value}: run 'thumbdrop backfill --here' to resize on this machine",
	KindBackfillNoRole:      "no --role: give the stack's BatchRoleArn output, or run 'thumbdrop backfill --here' to resize on this machine",
	KindBackfillBadRole:     "--role {value} is not an IAM role ARN: give the stack's BatchRoleArn output (arn:aws:iam::123456789012:role/...)",
	KindBackfillNoFunction:  "no --function: give the stack's FunctionArn output",
	KindBackfillBadFunction: "--function {value} is not a Lambda function ARN: give the stack's FunctionArn output (arn:aws:lambda:REGION:123456789012:function:...)",
	KindBackfillList:        "cannot list {key}: {cause}",
	KindBackfillSettings:    "cannot read the settings of {key}: {cause}",
	KindBackfillStopped:     "stopped following S3 Batch Operations job {key}, which goes on at AWS; run the same backfill again to follow it",
	KindBackfillJobFailed:   "S3 Batch Operations job {key} ended {value}: {cause}",
	KindBackfillReport:      "S3 Batch Operations job {key} is complete but its report cannot be read ({cause}); it is under {value} in the bucket",
	KindBackfillInvalidate:  "the rewritten thumbnails were not invalidated at the CDN, which may serve the old ones for up to a year ({cause}; {fix})",
	KindBackfillMismatch:    "the deployed function makes thumbnails that do not match thumbdrop's settings ({value}): redeploy with '{key}', or change the settings to match",

	KindLinkNoAnswer:   "a public link does not open ({cause})",
	KindLinkStatus:     "a public link answers HTTP {value}: deploy with Delivery=cloudfront and set public_base_url to the stack's CdnBaseURL output, or Delivery=public-read, or set link_mode presigned",
	KindCDNLinkStatus:  "the CDN link {key} answers HTTP {value}: check public_base_url (the stack's CdnBaseURL output) and that the bucket policy lets the distribution read the original and thumbnail prefixes",
	KindBucketIsPublic: "the bucket itself answers anonymous reads ({key} gave HTTP 200), around the CDN: make it private (the template's Delivery=cloudfront turns on all four public-access blocks)",

	KindNoSuchFile: "no such file or folder",
	KindPermission: "permission denied",
	KindIsFolder:   "it is a folder",
	KindNoSpace:    "no space left on the disk",
}

// Pieces of advice.
const (
	FixLogin         Fix = "login"
	FixLoginAWS      Fix = "login_aws"
	FixCredsAWS      Fix = "creds_aws"
	FixBucketName    Fix = "bucket_name"
	FixNetwork       Fix = "network"
	FixTryLater      Fix = "try_later"
	FixServerDisk    Fix = "server_disk"
	FixStalled       Fix = "stalled"
	FixPermPut       Fix = "perm_put"
	FixPermGet       Fix = "perm_get"
	FixPermDelete    Fix = "perm_delete"
	FixPermList      Fix = "perm_list"
	FixPermAny       Fix = "perm_any"
	FixFreeDisk      Fix = "free_disk"
	FixLocalPerm     Fix = "local_perm"
	FixNoSessionBus  Fix = "no_session_bus"
	FixKeyringLocked Fix = "keyring_locked"
	FixNoKeyring     Fix = "no_keyring"
	FixKeyEmptyID    Fix = "key_id_empty"
	FixKeyEmptySec   Fix = "key_secret_empty"
	FixKeySpaces     Fix = "key_spaces"
	FixPermBatch     Fix = "perm_batch"
	FixPermCDN       Fix = "perm_cdn"
	FixDistribution  Fix = "distribution"
	// What an import expected, by app.
	FixImportPicGo   Fix = "import_picgo"
	FixImportPicList Fix = "import_piclist"
	FixImportShareX  Fix = "import_sharex"
	FixImportUPic    Fix = "import_upic"
	FixKeyEmpty      Fix = "key_template_empty"
	FixKeyChars      Fix = "key_template_chars"
	FixKeySlashes    Fix = "key_template_slashes"
	FixKeyBraces     Fix = "key_template_braces"
	FixKeyHashDigits Fix = "key_template_hash_digits"
	FixKeyFolder     Fix = "key_template_folder"
	FixKeyLong       Fix = "key_template_long"
)

var fixes = map[Fix]string{
	FixLogin:         "run 'thumbdrop login' or fix the keys in Settings",
	FixLoginAWS:      "the AWS CLI's credentials were refused: check them with 'aws sts get-caller-identity', or store keys with 'thumbdrop login' and 'thumbdrop config set credentials keyring'",
	FixCredsAWS:      "set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run 'aws configure' or 'aws sso login'; or store keys with 'thumbdrop login' and 'thumbdrop config set credentials keyring'",
	FixBucketName:    "check the bucket name and region in Settings",
	FixNetwork:       "check the endpoint and your network",
	FixTryLater:      "try again later",
	FixServerDisk:    "it could not store the file, perhaps its disk is full; try again later or ask its administrator",
	FixStalled:       "gave up after trying several times; check the network and that the server is up, then Retry",
	FixPermPut:       "the keys need s3:PutObject on the original/ prefix",
	FixPermGet:       "the keys need s3:GetObject, and s3:ListBucket so a missing object reads as 404 rather than 403",
	FixPermDelete:    "the keys need s3:DeleteObject on both prefixes",
	FixPermList:      "the keys need s3:ListBucket on the bucket",
	FixPermAny:       "see deploy/uploader-policy.json for the permissions thumbdrop needs",
	FixFreeDisk:      "free some space and try again",
	FixLocalPerm:     "thumbdrop cannot write to its data folder; check the folder's permissions",
	FixNoSessionBus:  "this session has no D-Bus session bus, so no OS keyring (Secret Service); log in to a desktop session",
	FixKeyringLocked: "the OS keyring is locked and cannot ask for its password here; unlock it (log in to the desktop)",
	FixNoKeyring:     "no OS keyring is running (start gnome-keyring or KeePassXC's Secret Service)",
	FixKeyEmptyID:    "the access key id is empty",
	FixKeyEmptySec:   "the secret access key is empty",
	FixKeySpaces:     "keys must not contain spaces or line breaks",
	FixPermBatch:     "the keys need s3:CreateJob, s3:DescribeJob, iam:PassRole on the stack's BatchRole, and s3:PutObject and s3:GetObject under thumbdrop-backfill/: see deploy/backfill-policy.json",
	FixPermCDN:       "the keys need cloudfront:CreateInvalidation, and cloudfront:ListDistributions to find the distribution: see deploy/backfill-policy.json",
	FixDistribution:  "pass --distribution with the stack's DistributionId output",
	FixImportPicGo:   `picgo.db (gzip-compressed JSON) or the older data.json, in PicGo's folder (%APPDATA%\picgo, ~/Library/Application Support/picgo, ~/.config/picgo)`,
	FixImportPicList: `piclist.db (gzip-compressed JSON), in PicList's folder (%APPDATA%\piclist, ~/Library/Application Support/piclist, ~/.config/piclist)`,
	FixImportShareX:  `History.db (SQLite) or the older History.json, in ShareX's personal folder (Documents\ShareX)`,
	FixImportUPic:    "uPic.db, in ~/Library/Containers/com.svend.uPic.macos/Data/Library/Caches/com.svend.uPic.macos",
	FixKeyEmpty:      "it is empty (the default is " + DefaultKeyTemplate + ")",
	FixKeyChars:      "it holds a control character or a backslash",
	FixKeySlashes:    "'/' makes folders: it may not begin or end the template, come twice in a row, or leave a folder named . or ..",
	FixKeyBraces:     "a { or } does not belong to a placeholder",
	FixKeyHashDigits: "{sha256:N} takes 8 to 64 digits (fewer would tell only a few thousand files apart)",
	FixKeyFolder:     "its first folder would be taken for the thumbnails' own (web/ for web copies, 640w/ for the copies of a width)",
	FixKeyLong:       "a folder or file name of it would be longer than the 230 bytes a key's part may have",
}

// withoutFile is e without the file's name (a record names its file).
func (e *Error) withoutFile() *Error {
	c := *e
	c.File = ""
	return &c
}

// errorf builds an *Error.
func errorf(k Kind, file string, cause error) *Error { return &Error{Kind: k, File: file, Err: cause} }

// osCause says what the operating system's error means, as a kind where
// it is a common one (the window translates those), else as it is.
func osCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Kind: KindNoSuchFile}
	case errors.Is(err, fs.ErrPermission):
		return &Error{Kind: KindPermission}
	case errors.Is(err, syscall.EISDIR):
		return &Error{Kind: KindIsFolder}
	case errors.Is(err, syscall.ENOSPC):
		return &Error{Kind: KindNoSpace}
	}
	return err
}

// imageCause is a thumbnail refusal as the core's kind.
func imageCause(err error) error {
	var te *thumbnail.Error
	if !errors.As(err, &te) {
		return err
	}
	return refusalError(te.Kind.Code(), te.Error(), te.Limit, te.Actual)
}

// refusalError is the resize function's refusal (its note's kind code and
// reason, an English sentence beginning with the kind) as an *Error.
// With a limit's parts (limit, actual), a limit's kind says its sentence
// from them, in any language.
func refusalError(code, reason, limit, actual string) *Error {
	k := KindImageRefused
	for tk := thumbnail.KindNotImage; tk <= thumbnail.KindTooMuchMemory; tk++ {
		if tk.Code() == code {
			k = imageKinds[tk]
			detail, ok := strings.CutPrefix(reason, tk.String())
			if ok {
				reason = strings.TrimPrefix(strings.TrimPrefix(detail, ":"), " ")
			}
			break
		}
	}
	if limit != "" {
		if lk, ok := limitKinds[k]; ok {
			return &Error{Kind: lk, Key: limit, Value: actual}
		}
	}
	return &Error{Kind: k, Value: reason}
}

// limitKinds are the image kinds said from a limit's parts.
var limitKinds = map[Kind]Kind{
	KindImageTooLarge:   KindImageOverBytes,
	KindImageTooMany:    KindImageOverPixels,
	KindImageTooMuchMem: KindImageOverMemory,
}

var imageKinds = map[thumbnail.Kind]Kind{
	thumbnail.KindNotImage:      KindImageNotImage,
	thumbnail.KindTooLarge:      KindImageTooLarge,
	thumbnail.KindTooManyPixels: KindImageTooMany,
	thumbnail.KindCorrupt:       KindImageCorrupt,
	thumbnail.KindEmpty:         KindImageEmpty,
	thumbnail.KindTooMuchMemory: KindImageTooMuchMem,
}

// errorJSON is an *Error as the history keeps it, so the window can say a
// past upload's problem in the user's language.
type errorJSON struct {
	Kind  Kind       `json:"kind,omitempty"`
	File  string     `json:"file,omitempty"`
	Key   string     `json:"key,omitempty"`
	Value string     `json:"value,omitempty"`
	Fix   Fix        `json:"fix,omitempty"`
	Cause *errorJSON `json:"cause,omitempty"`
	Text  string     `json:"text,omitempty"` // a cause that is not an *Error
}

func toJSON(err error) *errorJSON {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		return &errorJSON{Text: err.Error()}
	}
	return &errorJSON{Kind: e.Kind, File: e.File, Key: e.Key, Value: e.Value, Fix: e.Fix, Cause: toJSON(e.Err)}
}

func (j *errorJSON) err() error {
	if j == nil {
		return nil
	}
	if j.Kind == "" {
		return errors.New(j.Text)
	}
	return &Error{Kind: j.Kind, File: j.File, Key: j.Key, Value: j.Value, Fix: j.Fix, Err: j.Cause.err()}
}

// EncodeError is err as text that DecodeError turns back into the error
// it was, kinds and all ("" for nil): for the history, and for what the
// agent says of itself in agent.json.
func EncodeError(err error) string {
	if err == nil {
		return ""
	}
	b, _ := json.Marshal(toJSON(err))
	return string(b)
}

// DecodeError is the error EncodeError encoded; text that is not an
// encoded error is taken as a plain message (nil for "").
func DecodeError(s string) error {
	if s == "" {
		return nil
	}
	var j errorJSON
	if json.Unmarshal([]byte(s), &j) != nil {
		return errors.New(s)
	}
	return j.err()
}

// RecordErr is why a past upload has no thumbnail (or failed), as the
// error it was: the window translates it by kind. Nil when all went well.
func RecordErr(r Record) error {
	if r.ErrorInfo != "" {
		return DecodeError(r.ErrorInfo)
	}
	if r.Error != "" {
		return errors.New(r.Error)
	}
	return nil
}

// keepErr records err in r: its sentence for --json, and the error itself
// for the window.
func keepErr(r *Record, err error) {
	if err == nil {
		r.Error, r.ErrorInfo = "", ""
		return
	}
	r.Error, r.ErrorInfo = err.Error(), EncodeError(err)
}

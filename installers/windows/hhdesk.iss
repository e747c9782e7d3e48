; Inno Setup 6.3+ script for hhdesk: a per-user installer (no administrator rights needed).
;
; Build it with installers\windows\build.ps1, which first builds dist\hhdesk\ with PyInstaller, runs its
; smoke test, and then calls:
;     iscc /DAppVersion=0.1.0 installers\windows\hhdesk.iss
; The installer is written to dist\installer\hhdesk-<version>-setup.exe.
;
; - Installs into %LOCALAPPDATA%\Programs\hhdesk (PrivilegesRequired=lowest: every clinic user can
;   install and update it; nothing is written outside their profile).
; - A Start-menu shortcut; an optional desktop shortcut.
; - The uninstaller removes the program only. The user's data (the encrypted store, its key-slot file,
;   backups, logs and window preferences) lives in %LOCALAPPDATA%\hhdesk and is kept; the uninstaller says
;   where it is. That folder is hhdesk.config.data_dir() on Windows (platformdirs, no app author).
; - Code signing: uncomment SignTool below and define a sign tool named "hhdesksign" in the Inno Setup
;   IDE (Tools > Configure Sign Tools) or on the command line (/Shhdesksign=...), e.g. with signtool.exe
;   and the agency's or our code-signing certificate. Sign dist\hhdesk\*.exe before packing too (build.ps1
;   does when HHDESK_SIGN_CERT_SHA1 is set).

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z hhdesk.iss (build.ps1 reads it from hhdesk\__init__.py)
#endif

#define AppName "hhdesk"
#define AppExe "hhdesk.exe"
#define DataFolder "{localappdata}\hhdesk"

[Setup]
; AppId identifies hhdesk across versions (upgrades replace, the uninstaller finds it). Never change it.
AppId={{6C1E5B0F-3A8D-4F2E-9B47-2D5C8E1A7F03}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=hhdesk
AppComments=Care management and billing for Medicaid Health Home agencies
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
DefaultDirName={localappdata}\Programs\{#AppName}
DisableDirPage=yes
DisableProgramGroupPage=yes
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
UsedUserAreasWarning=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist\installer
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\hhdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/ultra64
SolidCompression=yes
; Close a running hhdesk before replacing its files (it saves and locks its store on close).
CloseApplications=yes
RestartApplications=no
; SignTool=hhdesksign $f

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; GroupDescription: "Shortcuts:"; Flags: unchecked

[InstallDelete]
; A PyInstaller folder from an older version may hold libraries the new one no longer ships; loading a
; stale one would be hard to diagnose. Only the program folder is cleared, never the data folder.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\hhdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Care management and billing"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "Start {#AppName}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Python's bytecode caches and the like, written inside the program folder after install.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    DataDir := ExpandConstant('{#DataFolder}');
    if DirExists(DataDir) and not UninstallSilent() then
      MsgBox('hhdesk is removed. Your data was kept:' + #13#10#13#10 +
             '    ' + DataDir + #13#10#13#10 +
             'It holds the encrypted store with its key file, its backups, and the logs. ' +
             'Installing hhdesk again opens it as it was. To remove it for good, make sure you have the ' +
             'backups your agency must keep, then delete that folder.',
             mbInformation, MB_OK);
  end;
end;

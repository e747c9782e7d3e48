# Make this Windows 10/11 computer the agency's hhdesk host, in one command, as an administrator:
#
#     powershell -ExecutionPolicy Bypass -File host-setup.ps1 `
#         -Installer C:\Downloads\postgresql-17.2-1-windows-x64.exe `
#         -Org "Example Health Home" -Admin jsmith -JoinFile E:\agency.hhjoin
#
# It downloads nothing: the PostgreSQL installer from EDB (postgresql-<version>-windows-x64.exe) is given
# with -Installer, so the administrator decides which file runs with administrator rights. The steps, each
# announced with its name (installers/README.md has the checklist of what to look for):
#   administrator      refuses to go on without an elevated PowerShell
#   bitlocker          the data folder's drive must be BitLocker-protected (manage-bde exit status 0),
#                      unless -AllowUnencryptedDisk "<reason>" is given (hhdesk writes it to the audit log)
#   edb-install        EDB's installer, unattended: server and command-line tools only, as the service
#                      hhdesk-postgresql on -Port, its cluster in <DataDir>\cluster, with a random superuser
#                      password that is never shown
#   checksums          turns on data page checksums in that cluster (EDB's installer leaves them off)
#   service-automatic  the service starts with Windows
#   service-recovery   and restarts itself one minute after a failure (three times, counter reset daily)
#   firewall           the port opens for the Private network profile only (not Public, not Domain)
#   hhdesk-setup       `hhdesk host setup`, which configures TLS, roles and the join file, seals the
#                      superuser password under the agency's recovery key, and schedules the nightly backup
param(
    [Parameter(Mandatory = $true)][string]$Installer,
    [Parameter(Mandatory = $true)][string]$Org,
    [Parameter(Mandatory = $true)][string]$Admin,
    [Parameter(Mandatory = $true)][string]$JoinFile,
    [string]$DataDir = (Join-Path $env:ProgramData "hhdesk"),
    [int]$Port = 5432,
    [string]$Hhdesk = (Join-Path $env:LOCALAPPDATA "Programs\hhdesk\hhdesk-cli.exe"),
    [string]$AllowUnencryptedDisk = "",
    [string]$Import = ""
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$ServiceName = "hhdesk-postgresql"
$FirewallRule = "hhdesk PostgreSQL ($Port)"
$ClusterDir = Join-Path $DataDir "cluster"

function Step([string]$Name, [string]$What) {
    Write-Host ""
    Write-Host "==> [$Name] $What"
}

function Invoke-Checked([string]$What, [scriptblock]$Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

function New-RandomPassword {
    # 32 random bytes as hex: nothing in it that the installer's or cmd.exe's quoting could change
    $bytes = New-Object byte[] 32
    $generator = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    $generator.GetBytes($bytes)
    $generator.Dispose()
    return ($bytes | ForEach-Object { $_.ToString("x2") }) -join ""
}

Step "administrator" "Checking that PowerShell runs as an administrator"
$Identity = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
if (-not $Identity.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw "Run this from a PowerShell opened with right-click > Run as administrator."
}
if (-not (Test-Path $Installer -PathType Leaf)) { throw "The PostgreSQL installer $Installer does not exist." }
if (-not (Test-Path $Hhdesk -PathType Leaf)) { throw "hhdesk is not installed at $Hhdesk (pass -Hhdesk)." }

Step "bitlocker" "Checking that BitLocker protects the data folder's drive"
$Drive = ([System.IO.Path]::GetPathRoot([System.IO.Path]::GetFullPath($DataDir))).TrimEnd("\")
& manage-bde.exe -status $Drive -protectionaserrorlevel | Out-Null
$Protection = $LASTEXITCODE
if ($Protection -eq 0) {
    Write-Host "BitLocker protects $Drive."
} elseif ($AllowUnencryptedDisk) {
    Write-Warning "BitLocker does not protect $Drive (manage-bde exit status $Protection); going on because: $AllowUnencryptedDisk"
} else {
    throw ("BitLocker does not protect $Drive (manage-bde exit status $Protection). Turn BitLocker on " +
           "(Control Panel > BitLocker Drive Encryption), or run again with -AllowUnencryptedDisk `"<reason>`".")
}

Step "edb-install" "Installing PostgreSQL as the service $ServiceName on port $Port (takes a few minutes)"
if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
    throw "The service $ServiceName exists already: this computer is set up (see installers/README.md to start over)."
}
New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
$SuperPassword = New-RandomPassword
$Arguments = @(
    "--mode", "unattended", "--unattendedmodeui", "none",
    "--disable-components", "pgAdmin,stackbuilder",
    "--servicename", $ServiceName, "--serverport", "$Port",
    "--datadir", "`"$ClusterDir`"", "--superpassword", $SuperPassword
)
$Setup = Start-Process -FilePath $Installer -ArgumentList $Arguments -Wait -PassThru
if ($Setup.ExitCode -ne 0) { throw "The PostgreSQL installer failed (exit code $($Setup.ExitCode)); its log is in $env:TEMP (install-postgresql.log)." }
$Service = Get-Service -Name $ServiceName
$BinDir = Split-Path -Parent ((Get-CimInstance Win32_Service -Filter "Name='$ServiceName'").PathName -replace '^"([^"]+)".*$', '$1')

Step "checksums" "Turning on data page checksums (the service stops for a moment)"
Stop-Service -Name $ServiceName
Invoke-Checked "pg_checksums" { & (Join-Path $BinDir "pg_checksums.exe") --enable --pgdata $ClusterDir }
Start-Service -Name $ServiceName

Step "service-automatic" "Starting the service with Windows"
Invoke-Checked "sc.exe config" { & sc.exe config $ServiceName start= auto }

Step "service-recovery" "Restarting the service after a failure"
Invoke-Checked "sc.exe failure" {
    & sc.exe failure $ServiceName reset= 86400 actions= restart/60000/restart/60000/restart/60000
}
Invoke-Checked "sc.exe failureflag" { & sc.exe failureflag $ServiceName 1 }

Step "firewall" "Opening port $Port for the Private network profile only"
& netsh.exe advfirewall firewall delete rule name="$FirewallRule" | Out-Null  # a rule of an earlier attempt
Invoke-Checked "netsh advfirewall" {
    & netsh.exe advfirewall firewall add rule name="$FirewallRule" dir=in action=allow protocol=TCP `
        localport=$Port profile=private
}
$Network = Get-NetConnectionProfile | Select-Object -First 1
if ($Network -and $Network.NetworkCategory -ne "Private") {
    Write-Warning ("This computer's network '$($Network.Name)' is $($Network.NetworkCategory), not Private: " +
                   "workstations cannot connect until it is set to Private (Settings > Network > Properties).")
}

Step "hhdesk-setup" "Setting up hhdesk's database, the certificate and the join file"
$SetupArgs = @("host", "setup", "--data-dir", $DataDir, "--org", $Org, "--admin", $Admin,
               "--join-file", $JoinFile, "--port", "$Port")
if ($Import) { $SetupArgs += @("--import", $Import) }
if ($AllowUnencryptedDisk) { $SetupArgs += @("--allow-unencrypted-disk", $AllowUnencryptedDisk) }
# The superuser password goes to hhdesk in its environment, never on a command line others can list;
# hhdesk seals it under the agency's recovery key, and it leaves this process with it.
$env:HHDESK_PG_SUPERPASSWORD = $SuperPassword
try {
    Invoke-Checked "hhdesk host setup" { & $Hhdesk @SetupArgs }
} finally {
    Remove-Item Env:HHDESK_PG_SUPERPASSWORD -ErrorAction SilentlyContinue
    $SuperPassword = $null
}
Write-Host ""
Write-Host "Done. Copy $JoinFile to each workstation and read the fingerprint above aloud when it joins."
